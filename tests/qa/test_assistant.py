from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from support import SAMPLE_QUESTIONS

from index.store import Store, open_store
from qa import Answer, Assistant, answer
from qa.config import Settings
from qa.dates import resolve_time, search_text
from qa.errors import ConfigError, QuestionError, StoreError
from qa.types import NOT_FOUND

QUESTIONS = [json.loads(line) for line in SAMPLE_QUESTIONS.read_text("utf-8").splitlines()]
ANSWERABLE = [q for q in QUESTIONS if q["answerable"]]


@pytest.fixture(scope="module")
def assistant(sample_store_master: Path) -> Assistant:
    return Assistant(Settings.load(store=sample_store_master))


def _check_citations(result: Answer, store: Store) -> None:
    """Every sentence carries [n]; every [n] exists and quotes its article exactly. (The
    short answer leads in bold, quoted from citation 1; a note that the sources disagree
    ends the answer and cites quoted sentences again.)"""
    text = result.text
    if result.short_answer:
        lead = f"**{result.short_answer}** [1] "
        assert text.startswith(lead)
        assert result.short_answer in result.citations[0].quote
        text = text.removeprefix(lead)
    if result.disagreement:
        assert text.endswith(" " + result.disagreement)
        text = text.removesuffix(" " + result.disagreement)
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", text)]
    assert numbers == [c.n for c in result.citations] == list(range(1, len(numbers) + 1))
    pieces = re.split(r" ?\[\d+\] ?", text)
    assert pieces[-1] == ""
    for piece, citation in zip(pieces, result.citations, strict=False):
        assert piece == citation.quote
        record = store.get(citation.article_id)
        assert record is not None
        body = record.article.body
        assert body[citation.start : citation.end] == citation.quote
        qs, qe = citation.quote_in_passage
        assert citation.passage[qs:qe] == citation.quote
        assert body[citation.passage_start :].startswith(citation.passage)
        assert citation.title == record.article.title


@pytest.mark.parametrize("question", ANSWERABLE, ids=[q["id"] for q in ANSWERABLE])
def test_sample_questions_are_answered_with_exact_citations(
    assistant: Assistant, question: dict, sample_store_master: Path
) -> None:
    result = assistant.ask(question["question"])
    if result.abstained:  # (counted below: the abstention model may miss one)
        assert result.text == NOT_FOUND and result.citations == ()
        return
    _check_citations(result, open_store(sample_store_master))
    evidence = {e["article_id"] for e in question["evidence"]}
    retrieved = [p.article_id for p in result.passages]
    assert evidence & set(retrieved), (question["id"], retrieved)


def test_at_most_one_sample_question_abstains(assistant: Assistant) -> None:
    """The abstention models leave about 2-5% of answerable rtqa questions unanswered (held
    out, docs/benchmarks.md); on the 13 sample questions, asked without a date, one at most
    (measured: one, "What pay rise did the rail workers win", just over the threshold)."""
    abstained = [q["id"] for q in ANSWERABLE if assistant.ask(q["question"]).abstained]
    assert len(abstained) <= 1, abstained


def test_most_sample_answers_contain_the_gold(assistant: Assistant) -> None:
    hits = [
        q["id"]
        for q in ANSWERABLE
        if q["answer"].lower() in assistant.ask(q["question"]).text.lower()
    ]
    # Measured: 9 of 13 with hybrid retrieval (the misses are paraphrases such as
    # "employees ... walkout" for "workers walked off the job"); the floor is a gate.
    assert len(hits) >= 8, hits


def test_an_off_topic_question_gets_an_abstention(assistant: Assistant) -> None:
    result = assistant.ask("What is the airspeed velocity of an unladen swallow?")
    assert result.abstained
    assert result.text == NOT_FOUND
    assert result.citations == ()


def test_filters_by_source_and_date(assistant: Assistant) -> None:
    q = "How many people were evacuated because of the Redstone Ridge fire?"
    only = assistant.ask(q, sources=["The Valley Courier"], k=10)
    assert only.passages and {p.source for p in only.passages} == {"The Valley Courier"}
    window = assistant.ask(q, since="2026-07-20", until="2026-07-31", k=10)
    assert window.passages
    assert all("2026-07-20" <= (p.published_at or "") <= "2026-07-31" for p in window.passages)
    nothing = assistant.ask(q, since="2030-01-01")
    assert nothing.abstained and nothing.passages == ()


def test_k_controls_passages_and_timings_are_reported(assistant: Assistant) -> None:
    result = assistant.ask("Who won the runoff?", k=2)
    assert len(result.passages) == 2
    assert result.passages[0].score >= result.passages[1].score
    assert set(result.timings) == {"retrieve_ms", "rerank_ms", "answer_ms", "total_ms"}


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "empty"), ("   \n ", "empty"), ("x" * 2001, "2001 characters"), (42, "must be text")],
)
def test_bad_questions_get_clear_errors(
    assistant: Assistant, question: object, message: str
) -> None:
    with pytest.raises(QuestionError, match=message):
        assistant.ask(question)  # type: ignore[arg-type]


def test_answer_uses_the_default_store(sample_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARTICLE_QA_STORE", str(sample_store))
    result = answer("Who won the presidential runoff in Estravia?")
    assert "Marovic" in result.text and result.citations


def test_answer_takes_a_store_of_its_own(sample_store: Path, tmp_path: Path) -> None:
    result = answer("Who won the presidential runoff in Estravia?", store=sample_store)
    assert "Marovic" in result.text and result.citations
    with pytest.raises(StoreError, match="article-qa ingest"):
        answer("Anything?", store=tmp_path / "empty")


def test_empty_store_says_what_to_run() -> None:
    with pytest.raises(StoreError, match="article-qa ingest"):
        answer("Anything?")


def test_settings_reject_unknown_keys_and_bad_values(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Unknown setting"):
        Settings.load(stroe=tmp_path)
    with pytest.raises(ConfigError, match="k must be"):
        Settings.load(k=0)
    with pytest.raises(ConfigError, match="must be an integer"):
        Settings.load(env={"ARTICLE_QA_K": "many"})
    assert Settings.load(env={"ARTICLE_QA_K": "7"}).k == 7
    assert Settings.load(env={"ARTICLE_QA_K": "7"}, k=3).k == 3


def test_constructing_an_assistant_loads_nothing(tmp_path: Path) -> None:
    Assistant(store=tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_every_retrieval_mode_answers(sample_store_master: Path, mode: str) -> None:
    assistant = Assistant(Settings.load(store=sample_store_master, retrieval=mode))
    result = assistant.ask("Who won the presidential runoff in Estravia?", k=5)
    assert "Marovic" in result.text
    assert result.passages[0].article_id.startswith("election")


def test_reference_date_prefers_recent_articles(assistant: Assistant) -> None:
    q = "What is happening with the rail strike?"  # (a timeline reads every date alike)

    def first_rank(result: Answer, article_id: str) -> int:
        return next(
            i for i, p in enumerate(result.passages) if article_id in (p.article_id, *p.copies)
        )

    early = assistant.ask(q, k=20, reference_date="2026-01-14")
    late = assistant.ask(q, k=20, reference_date="2026-02-01")
    assert first_rank(early, "rail-strike-begins") < first_rank(late, "rail-strike-begins")
    assert first_rank(late, "rail-strike-settlement") == 0


def test_unknown_retrieval_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="retrieval must be"):
        Settings.load(retrieval="magic")


def test_syndicated_copies_collapse_into_one_result(assistant: Assistant) -> None:
    result = assistant.ask("How many employees joined the Valley Regional Rail walkout?", k=30)
    by_article = {p.article_id: p for p in result.passages}
    pair = {"rail-strike-begins", "rail-strike-begins-courier"}
    shown = pair & set(by_article)
    assert shown, "one of the two copies is retrieved"
    assert any(set(by_article[a].copies) & (pair - {a}) for a in shown)
    assert result.to_dict()["passages"][0]["copies"] is not None


def test_collapse_keeps_distinct_texts_apart() -> None:
    from qa.retrieve import Passage, collapse_copies

    def passage(article: str, text: str, score: float) -> Passage:
        return Passage("c" + article, article, "", "", "", None, 0, len(text), text, score)

    story = "The council voted seven to four on Tuesday to approve the extra money for the plant."
    passages = [
        passage("a", story, 0.9),
        passage("b", "Syndicated: " + story, 0.8),
        passage("c", "An unrelated report about the rail strike and its mediator.", 0.7),
    ]
    collapsed = collapse_copies(passages)
    assert [p.article_id for p in collapsed] == ["a", "c"]
    assert collapsed[0].copies == ("b",)
    first = collapse_copies(passages, limit=1)  # stops at the first new text past the limit
    assert [p.article_id for p in first] == ["a"] and first[0].copies == ("b",)


def test_time_phrases_are_read_against_the_reference_date(assistant: Assistant) -> None:
    q = "What did the rail workers do this week?"
    early = assistant.ask(q, k=5, reference_date="2026-01-13")
    late = assistant.ask(q, k=5, reference_date="2026-01-31")
    assert early.passages[0].published_at <= "2026-01-16"
    assert late.passages[0].published_at >= "2026-01-21"
    window = assistant._boost(resolve_time("Who won in June 2023?", None), None)
    assert window == (dt.date(2023, 6, 1), dt.date(2023, 7, 3))


def test_relative_time_phrases_leave_the_search_text() -> None:
    ref = dt.date(2026, 6, 11)
    q = "Which country was rocked by a 7.8 magnitude earthquake this week?"
    assert search_text(q, resolve_time(q, ref)) == (
        "Which country was rocked by a 7.8 magnitude earthquake ?"
    )
    calendar = "Who won the election in June 2023?"
    assert search_text(calendar, resolve_time(calendar, ref)) == calendar
    plain = "Who won the election?"
    assert search_text(plain, resolve_time(plain, ref)) == plain


def test_asked_as_of_a_date_old_weak_matches_mean_the_articles_do_not_tell(
    assistant: Assistant,
) -> None:
    weak = "What did the heat wave do to rail services?"
    later = dt.date(2027, 6, 1)
    stale = assistant.ask(weak, reference_date=later)
    assert stale.abstained and stale.text == NOT_FOUND
    assert "more than 14 days before 2027-06-01" in stale.notice
    assert stale.passages  # what was found is still shown
    # without a date the rule does not apply (the article says nothing of rail services, so
    # the abstention model may still decline); a strong match is answered at any date
    assert not assistant.ask(weak).notice
    strong = assistant.ask("Who won the presidential runoff in Estravia?", reference_date=later)
    assert not strong.abstained and "Lena Marovic" in strong.text
    # without the rule the abstention model still reads the old dates and the weak match
    unruled = assistant.derive(stale_score=0).ask(weak, reference_date=later)
    assert unruled.abstained and not unruled.notice
    # and with both turned off the best sentence is quoted
    both_off = assistant.derive(stale_score=0, abstain_threshold=float("inf"))
    assert not both_off.ask(weak, reference_date=later).abstained
    assert set(stale.timings) >= {"retrieve_ms", "rerank_ms", "answer_ms", "total_ms"}
