"""The offline citation check, on hand-made answers and on the assistant's real answers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from support import SAMPLE_QUESTIONS
from test_rerank import _tiny_cross_encoder

from index.embed import Embedder
from qa import Assistant
from qa.config import Settings
from qa.retrieve import Passage
from qa.verify import CitationChecker, split_cited


def _passage(n: int, text: str) -> Passage:
    return Passage(
        f"c{n}",
        f"a{n}",
        f"Article {n}",
        "Test Wire",
        "",
        dt.date(2026, 5, 1),
        0,
        len(text),
        text,
        1.0,
    )


PASSAGES = [
    _passage(
        1,
        "Port Halvern's council voted 7-4 on Tuesday to approve an extra $102 million for the "
        "Gull Point desalination plant. The total cost is now $412 million.",
    ),
    _passage(
        2,
        "Lena Marovic won Estravia's presidential runoff with 52.7 percent of the vote. She was "
        "sworn in on November 16 by Chief Justice Viktor Halmi.",
    ),
]


@pytest.fixture(scope="module")
def checker() -> CitationChecker:
    return CitationChecker(embedder=Embedder())


def test_sentences_and_their_marks() -> None:
    text = "The plant cost $412 million. [1] It opened in March [2][3]. No idea why. A vote [1, 2]."
    assert split_cited(text) == [
        ("The plant cost $412 million.", (1,)),
        ("It opened in March.", (2, 3)),
        ("No idea why.", ()),
        ("A vote.", (1, 2)),
    ]


def test_each_sentence_gets_a_verdict_and_a_reason(checker: CitationChecker) -> None:
    answer = (
        "The council approved an extra $102 million for the plant. [1] "  # supported
        "Marovic was sworn in by the chief justice on November 16. [2] "  # supported, reordered
        "The council vote was 8-3. [1] "  # wrong number
        "Anton Sverdlo won the runoff. [2] "  # a name the passage never mentions
        "The plant will make the city rich. [1] "  # not what the passage says
        "Everyone agreed. "  # no citation
        "The total cost is $412 million. [7]"  # a number that points nowhere
    )
    checks = checker.check(answer, PASSAGES)
    verdicts = [(c.verdict, c.cited) for c in checks]
    assert verdicts == [
        ("supported", (1,)),
        ("supported", (2,)),
        ("unsupported", (1,)),
        ("unsupported", (2,)),
        ("unsupported", (1,)),
        ("uncited", ()),
        ("uncited", ()),
    ]
    assert "['3', '8']" in checks[2].reason
    assert "sverdlo" in checks[3].reason
    assert "low" in checks[4].reason
    assert checks[6].dropped == (7,) and "no existing passage" in checks[6].reason
    assert checks[0].to_dict()["verdict"] == "supported"


def test_a_paraphrase_is_supported_through_similarity(checker: CitationChecker) -> None:
    (check,) = checker.check(
        "Marovic took the presidency after winning the second round. [2]", PASSAGES
    )
    strict = CitationChecker(embedder=None).check(
        "Marovic took the presidency after winning the second round. [2]", PASSAGES
    )
    assert check.similarity > strict[0].similarity
    assert check.supported == (check.similarity >= checker.min_similarity or check.overlap >= 0.6)


def test_every_extractive_answer_passes_its_own_check(
    sample_store_master: Path, checker: CitationChecker
) -> None:
    assistant = Assistant(Settings.load(store=sample_store_master))
    questions = [json.loads(line) for line in SAMPLE_QUESTIONS.read_text("utf-8").splitlines()]
    checked = 0
    for q in questions:
        result = assistant.ask(q["question"])
        if result.abstained:
            continue
        cited = [c.passage for c in result.citations]
        passages = [_passage(c.n, c.passage) for c in result.citations]
        checks = checker.check(result.claims, passages)
        assert [c.verdict for c in checks] == ["supported"] * len(checks), (q["id"], checks)
        assert len(checks) == len(cited)
        checked += 1
    assert checked >= 10


def test_an_nli_model_decides_when_configured(tmp_path: Path) -> None:
    labels = {0: "contradiction", 1: "entailment", 2: "neutral"}
    model = str(_tiny_cross_encoder(tmp_path / "nli", 3, labels))
    sentence = "Marovic won the runoff. [2]"
    assert (
        CitationChecker(nli_model=model, min_entailment=0.0).check(sentence, PASSAGES)[0].supported
    )
    (refused,) = CitationChecker(nli_model=model, min_entailment=1.01).check(sentence, PASSAGES)
    assert refused.verdict == "unsupported" and "entailment" in refused.reason
    (number,) = CitationChecker(nli_model=model, min_entailment=0.0).check(
        "Marovic won 61 percent. [2]", PASSAGES
    )
    assert number.verdict == "unsupported"  # numbers are checked whatever the model says
