"""Answers people can trust: each abstention input, the short answer, no padding, and the
questions that cannot be searched."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest

from index.embed import Embedder
from qa.answer import DATED_ABSTENTION, UNDATED_ABSTENTION, AbstentionModel, ExtractiveAnswerer
from qa.assistant import unreadable
from qa.retrieve import Passage
from qa.spans import DEFAULT_SPAN_MODEL, SPAN_FEATURES, Span, candidates
from qa.types import NOT_FOUND, Answer, Citation, ScoredSentence

QUESTION = "Who won the presidential runoff in Estravia?"


def passage(article: str, text: str, score: float = 0.8, published: str = "2026-10-25") -> Passage:
    day = dt.date.fromisoformat(published) if published else None
    return Passage("c" + article, article, article, "", "", day, 0, len(text), text, score)


def sentence(p: Passage, score: float = 5.0, **features: float) -> ScoredSentence:
    values = {"overlap": 0.5, "similarity": 0.5, "match": 0.6, "undated": score, **features}
    phrase = bool(values.pop("phrase", 0.0))
    return ScoredSentence(p, 0, len(p.text), p.text, score, phrase=phrase, **values)


def span(score: float = 1.0, **values: float) -> Span:
    row = np.zeros(len(SPAN_FEATURES))
    for name, value in values.items():
        row[SPAN_FEATURES.index(name)] = value
    return Span(0, 0, 4, "Lena", row, score=score)


WIN = passage("win", "Lena Marovic won Estravia's presidential runoff with 52.7 percent.")
DEBATE = passage("debate", "The two candidates met in a debate in Korvik.", 0.5)

# Each abstention input, and a change of the situation that must raise it.
Situation = tuple[list[ScoredSentence], list[Passage], dt.date | None, str, Span | None]
BASE: Situation = ([sentence(WIN), sentence(DEBATE, 3.0)], [WIN, DEBATE], None, QUESTION, None)


def _replace_top(**changes: object) -> Callable[[Situation], Situation]:
    def change(s: Situation) -> Situation:
        scored = [dataclasses.replace(s[0][0], **changes), *s[0][1:]]  # type: ignore[arg-type]
        return (scored, *s[1:])  # type: ignore[return-value]

    return change


def _with_passage_score(score: float) -> Callable[[Situation], Situation]:
    def change(s: Situation) -> Situation:
        first = dataclasses.replace(s[1][0], score=score)
        top = dataclasses.replace(s[0][0], passage=first)
        return ([top, *s[0][1:]], [first, *s[1][1:]], *s[2:])  # type: ignore[return-value]

    return change


RAISES: dict[str, Callable[[Situation], Situation]] = {
    "best": _replace_top(undated=9.0),
    "match": _replace_top(match=0.9),
    "top_passage": _with_passage_score(1.2),
    "max_overlap": _replace_top(overlap=0.9),
    "max_similarity": _replace_top(similarity=0.9),
    "best_phrase": _replace_top(phrase=1.0),
    "best_overlap": _replace_top(overlap=0.9),
    "best_similarity": _replace_top(similarity=0.9),
    "best_passage": _with_passage_score(1.2),
    "span": lambda s: (*s[:4], span(score=3.0)),  # type: ignore[return-value]
    "span_support": lambda s: (*s[:4], span(support=2.0)),  # type: ignore[return-value]
    "span_kind": lambda s: (*s[:4], span(kind_match=1.0)),  # type: ignore[return-value]
    "names": lambda s: (*s[:3], "Who won the runoff in Estravia and Moldana?", s[4]),
}


def test_every_abstention_input_has_a_test() -> None:
    assert set(RAISES) == set(AbstentionModel.INPUTS)


@pytest.mark.parametrize("name", AbstentionModel.INPUTS)
def test_each_abstention_input_reads_its_part_of_the_situation(name: str) -> None:
    """Changing one thing about the question's situation moves that input, up."""
    index = AbstentionModel.INPUTS.index(name)
    before = AbstentionModel.inputs(*BASE)
    after = AbstentionModel.inputs(*RAISES[name](BASE))
    if name == "names":  # a name the passages lack: the share falls
        assert after[index] < before[index] == 1.0
    else:
        assert after[index] > before[index], (name, before[index], after[index])


def test_the_fitted_models_abstain_more_without_a_short_answer_or_the_names() -> None:
    """Both modes' models: the same passages, but no short answer and a name of the
    question missing, read as likelier unanswered."""
    worse = (BASE[0], BASE[1], None, "Who won the runoff in Moldana?", None)
    good = (*BASE[:4], span(score=3.0, support=2.0, kind_match=1.0))
    for model in (DATED_ABSTENTION, UNDATED_ABSTENTION):
        assert model.logit(*worse) > model.logit(*good)


def test_short_answer_candidates_are_names_numbers_dates_and_titles() -> None:
    text = (
        'Prime Minister Rishi Sunak said on October 25 that the "Harbor Line" would cost '
        "$412 million."
    )
    p = passage("a", text)
    found = {c.text for c in candidates("Who said it?", [sentence(p)], [text])}
    assert {"Rishi Sunak", "Prime Minister Rishi Sunak", "$412 million", "Harbor Line"} <= found
    assert "October 25" in found


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("How much will the plant cost in total?", {"$412 million"}),
        ("How much more than budgeted will the plant cost?", {"$412 million", "$102 million"}),
    ],
)
def test_a_number_told_as_a_difference_answers_only_a_question_about_one(
    question: str, kept: set[str]
) -> None:
    for text in (
        "The plant will cost $102 million more than budgeted, $412 million in all.",
        "The council approved an extra $102 million, for $412 million in all.",
    ):
        p = passage("a", text)
        found = {c.text for c in candidates(question, [sentence(p)], [text])}
        assert found & {"$412 million", "$102 million"} == kept, text


def test_a_candidate_that_other_passages_repeat_has_more_support() -> None:
    text = "Lena Marovic beat Tomas Reyes-Halden."
    others = ["Marovic took office.", "Lena Marovic was sworn in.", "Lena Marovic spoke."]
    spans = candidates(QUESTION, [sentence(passage("a", text))], [text, *others])
    support = SPAN_FEATURES.index("support")
    by_text = {s.text: s.values[support] for s in spans}
    assert by_text["Lena Marovic"] > by_text["Tomas Reyes-Halden"] == 0.0


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def test_the_answer_leads_with_the_short_answer_quoted_from_citation_one(
    embedder: Embedder,
) -> None:
    got = ExtractiveAnswerer(embedder).run(QUESTION, [WIN, DEBATE])
    assert not got.abstained
    first = got.citations[0]
    assert first.phrase_text and first.phrase_text in first.quote
    assert got.text.startswith(f"**{first.phrase_text}** [1] {first.quote} [1]")
    assert DEFAULT_SPAN_MODEL.best(QUESTION, [sentence(WIN)], [WIN.text]) is not None


def test_a_generated_answer_leads_with_a_short_answer_its_own_words_give(
    embedder: Embedder,
) -> None:
    answerer = ExtractiveAnswerer(embedder)
    cited = Citation.of(1, WIN, 0, len(WIN.text), 0.9)
    text = "Lena Marovic won the runoff. [1]"
    led, citations = answerer.lead_generated(QUESTION, text, [cited], [WIN, DEBATE])
    assert led == f"**Lena Marovic** [1] {text}"
    assert citations[0].phrase_text == "Lena Marovic"
    answer = Answer(QUESTION, led, citations, (WIN,), False, mode="generative")
    assert answer.short_answer == "Lena Marovic" and answer.claims == text
    # a model that names someone else gets no lead it did not give
    other = "Tomas Reyes-Halden conceded. [1]"
    assert answerer.lead_generated(QUESTION, other, [cited], [WIN]) == (other, (cited,))


def test_no_padding_a_quote_from_another_story_is_left_out(embedder: Embedder) -> None:
    """A close-scoring sentence of another article that does not hold the short answer
    is not quoted; one of the same article is."""
    answerer = ExtractiveAnswerer(embedder)
    same = dataclasses.replace(WIN, chunk_id="c2", start=100, end=150)
    scored = [
        sentence(WIN, 5.0),
        sentence(DEBATE, 4.9),
        dataclasses.replace(sentence(same, 4.8), start=100, end=150, text="Turnout was high."),
    ]
    short = Span(0, 0, 12, "Lena Marovic", np.zeros(len(SPAN_FEATURES)))
    chosen = answerer.choose(scored, short)
    assert [s.passage.article_id for s in chosen] == ["win", "win"]
    holds = dataclasses.replace(
        sentence(DEBATE, 4.9), text="Lena Marovic met Reyes-Halden in Korvik."
    )
    chosen = answerer.choose([scored[0], holds], short)
    assert [s.passage.article_id for s in chosen] == ["win", "debate"]


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("Кто выиграл второй тур выборов в Эстравии?", "Cyrillic"),
        ("谁赢得了埃斯特拉维亚的选举？", "CJK"),
        ("What is it?", "no words to search for"),
        ("??? !!!", "no words to search for"),
    ],
)
def test_a_question_that_cannot_be_searched_gets_a_clear_reply(question: str, said: str) -> None:
    assert said in unreadable(question)


def test_a_plain_english_question_can_be_searched() -> None:
    assert unreadable(QUESTION) == ""
    assert unreadable("What happened with the rail strike?") == ""


def test_an_unreadable_question_is_refused_before_any_quote(sample_store: object) -> None:
    from qa.assistant import Assistant
    from qa.errors import QuestionError

    assistant = Assistant(store=sample_store)
    with pytest.raises(QuestionError, match="Cyrillic"):
        assistant.ask("Кто выиграл второй тур выборов?")
    with pytest.raises(QuestionError, match="characters long"):
        assistant.ask("Who won? " * 300)
    assert assistant.ask("What is the population of Tehran?").text == NOT_FOUND
