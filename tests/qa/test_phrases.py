"""Short answer phrases and disagreeing sources (qa/phrases.py), on sentences and on a real
store of articles that give different figures for the same thing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from support import store_of

from qa.assistant import Assistant
from qa.config import Settings
from qa.phrases import Disagreement, find_folded, find_phrase, measures, normalise_phrase
from qa.types import Citation


def _phrase(question: str, sentence: str, context: str = "") -> str | None:
    span = find_phrase(question, sentence, context)
    return None if span is None else sentence[span[0] : span[1]]


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        (
            "How many people were evacuated?",
            "The blaze burned for twelve days and about 1,200 residents were evacuated.",
            "about 1,200",
        ),
        (
            "How large an area did the fire burn?",
            "It burned for nine days and covered 12,300 hectares of forest.",
            "12,300 hectares",
        ),
        (
            "How much will the plant cost?",
            "The plant is expected to cost $4.3 billion after a vote on May 4, 2026.",
            "$4.3 billion",
        ),
        (
            "When did the strike end?",
            "The strike ended on Tuesday, March 3, 2026.",
            "Tuesday, March 3, 2026",  # the longest date, the weekday included
        ),
        (
            "When did the strike end?",
            "The strike at the port ended on March 3, 2026, after 17 days.",
            "March 3, 2026",
        ),
        (
            "Who was brought in to mediate the rail dispute?",
            "Valley Rail and the union agreed to bring in mediator Helen Ashdown.",
            "Helen Ashdown",
        ),
        (
            "Who is the new prime minister?",
            "WASHINGTON (AP) — The new Prime Minister Rishi Sunak took office on Tuesday.",
            "Rishi Sunak",
        ),
        (
            "Which company bought the network?",
            "In October, Elon Musk's company bought the network.",
            "Elon Musk",
        ),
        (
            "Which state is the seaweed heading for?",
            "Several beaches may see it. Beachgoers in Florida should expect seaweed soon.",
            "Florida",
        ),
        ("Why did the strike end?", "The strike ended when Helen Ashdown mediated.", None),
        ("When was she sworn in?", "She swore on the 1994 constitution in the hall.", None),
        ("When did the war end?", "The war ended in 1994 and peace followed.", "1994"),
    ],
)
def test_the_short_answer_phrase_is_what_the_question_asks_for(
    question: str, sentence: str, expected: str | None
) -> None:
    assert _phrase(question, sentence, sentence) == expected


def test_a_word_capitalised_only_at_the_start_of_a_sentence_is_no_name() -> None:
    sentence = "Several teams were invited, officials said."
    assert _phrase("Which team was invited?", sentence, "There were several of them.") is None


def test_phrases_are_compared_after_folding_number_formats() -> None:
    assert normalise_phrase("about $4.3bn") == normalise_phrase("$4.3 billion")
    assert normalise_phrase("53%") == normalise_phrase("53 per cent")


ARTICLES = [
    {
        "id": "ferry-wire",
        "title": "Ferry capsizes off Kessel Point",
        "source": "Coastal Wire",
        "published_at": "2026-03-10",
        "body": "A passenger ferry capsized off Kessel Point on Monday night. "
        "The ferry capsize off Kessel Point killed 14 passengers, the coast guard said on "
        "Tuesday. Divers searched the hull through the night and rescue boats stayed out.",
    },
    {
        "id": "ferry-herald",
        "title": "Kessel Point ferry disaster: questions for the operator",
        "source": "Harbor Herald",
        "published_at": "2026-03-11",
        "body": "Questions grew on Wednesday about the operator of the ferry. "
        "The ferry capsize off Kessel Point killed 17 passengers, the coast guard said on "
        "Wednesday. The operator has not commented on the inspection records.",
    },
    {
        "id": "bakery",
        "title": "Bakery opens in Northfield",
        "source": "Harbor Herald",
        "published_at": "2026-03-01",
        "body": "A new bakery opened on Main Street in Northfield on Saturday, selling rye "
        "bread and pastries to a queue that stretched around the block.",
    },
]


@pytest.fixture(scope="module")
def ferry_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return store_of(ARTICLES, tmp_path_factory.mktemp("ferry"))


def test_an_answer_says_when_sources_give_different_figures_and_cites_both(
    ferry_store: Path,
) -> None:
    result = Assistant(Settings.load(store=ferry_store)).ask(
        "How many passengers did the Kessel Point ferry capsize kill?"
    )
    # the Herald reported a day after the wire: its figure is named as the latest
    assert result.disagreement.startswith("The latest report: 17 passengers as of 11 Mar 2026")
    assert "an earlier report said 14 passengers (Coastal Wire, 10 Mar 2026)" in result.disagreement
    assert result.text.endswith(result.disagreement)
    sides = {c.article_id: c.phrase_text for c in result.citations}
    assert sides.get("ferry-wire", "").startswith("14")
    assert sides.get("ferry-herald", "").startswith("17")
    # the latest report leads: its figure is the short answer, its sentence [1]
    assert result.short_answer.startswith("17") and result.text.startswith("**17")
    assert result.citations[0].article_id == "ferry-herald"
    for c in result.citations:
        assert f"[{c.n}]" in result.disagreement or c.article_id == "bakery"
    assert result.to_dict()["disagreement"] == result.disagreement


def test_agreeing_sources_give_no_disagreement(sample_store: Path) -> None:
    result = Assistant(Settings.load(store=sample_store)).ask(
        "Who won the presidential runoff in Estravia?"
    )
    assert result.short_answer == "Lena Marovic"
    assert result.disagreement == ""
    first = result.citations[0]
    assert first.quote[first.phrase[0] : first.phrase[1]] == "Lena Marovic"  # type: ignore[index]
    assert result.to_dict()["citations"][0]["phrase_text"] == "Lena Marovic"


def test_the_sample_collection_s_evacuation_figures_are_shown_to_disagree(
    sample_store: Path,
) -> None:
    result = Assistant(Settings.load(store=sample_store)).ask(
        "How many people were evacuated because of the Redstone Ridge fire?"
    )
    assert "1,200" in result.disagreement and "1,500" in result.disagreement
    assert result.short_answer == "Around 1,500 people"  # the later report leads
    lead = f"**{result.short_answer}** [1] "
    assert result.text.startswith(lead)
    assert (
        result.claims == result.text.removeprefix(lead).removesuffix(result.disagreement).rstrip()
    )


def _citation(n: int, source: str, published: str | None, quote: str) -> Citation:
    return Citation(
        n=n,
        article_id=f"a{n}",
        title=f"Report {n}",
        source=source,
        published=dt.date.fromisoformat(published) if published else None,
        url="",
        passage=quote,
        passage_start=0,
        quote=quote,
        start=0,
        end=len(quote),
        score=1.0,
    )


def test_the_note_names_the_latest_report_only_when_the_days_differ() -> None:
    older = _citation(1, "Coastal Wire", "2026-07-24", "About 1,200 people left on Thursday.")
    newer = _citation(2, "Valley Courier", "2026-07-25", "Around 1,500 people have left.")
    note = Disagreement(0, 1, "About 1,200", "Around 1,500").sentence([older, newer])
    assert note == (
        "The latest report: around 1,500 as of 25 Jul 2026 (Valley Courier) [2]; an earlier "
        "report said about 1,200 (Coastal Wire, 24 Jul 2026) [1]."
    )
    same_day = _citation(2, "Valley Courier", "2026-07-24", "Around 1,500 people have left.")
    note = Disagreement(0, 1, "About 1,200", "Around 1,500").sentence([older, same_day])
    assert note.startswith("The sources differ on this: About 1,200 (Coastal Wire, 2026-07-24)")
    undated = _citation(2, "Valley Courier", None, "Around 1,500 people have left.")
    note = Disagreement(0, 1, "About 1,200", "Around 1,500").sentence([older, undated])
    assert note.startswith("The sources differ on this: ")


TERM = [
    {
        "id": "voss-wire",
        "title": "Voss resigns",
        "source": "Coastal Wire",
        "published_at": "2026-03-10",
        "body": "Prime Minister Ada Voss of Estravia resigned on Tuesday after just 45 days in "
        "office, the shortest term in the country's history. Her budget had collapsed.",
    },
    {
        "id": "voss-herald",
        "title": "What Voss keeps",
        "source": "Harbor Herald",
        "published_at": "2026-03-11",
        "body": "Prime Minister Ada Voss of Estravia, who resigned after just 45 days in office, "
        "is entitled to up to £115,000 a year for the rest of her life. Critics called it unfair.",
    },
]


def test_a_sum_of_money_neither_answers_how_many_days_nor_disagrees_with_them(
    tmp_path: Path,
) -> None:
    store = store_of(TERM, tmp_path)
    result = Assistant(Settings.load(store=store)).ask(
        "Ada Voss resigned as prime minister of Estravia after how many days in office?"
    )
    assert result.short_answer.startswith("45")
    assert result.disagreement == ""  # "45 days" and "up to £115,000" are not one figure
    assert "£115,000" not in result.text.split("[1]")[0]


def test_a_figure_is_reported_as_of_the_day_its_sentence_says() -> None:
    # published on the 12th, but the figure is "as of last Friday" (the 6th): older than a
    # figure published on the 10th, so the note names the other as the latest
    said = _citation(1, "Harbor Herald", "2026-03-12", "About 1,000 had left as of last Friday.")
    other = _citation(2, "Coastal Wire", "2026-03-10", "About 850 had left by Tuesday.")
    assert said.as_of == dt.date(2026, 3, 6) and other.as_of == dt.date(2026, 3, 10)
    note = Disagreement(0, 1, "About 1,000", "About 850").sentence([said, other])
    assert note.startswith("The latest report: about 850 as of 10 Mar 2026 (Coastal Wire) [2]")


def test_a_figure_is_found_inside_a_currency_prefix() -> None:
    sentence = "The new harbour bridge cost HK$4.6 billion, the Herald reported."
    assert find_folded(sentence, "$4.6 billion") == (30, 42)
    assert find_folded("Rates rose in Mayfield.", "May") is None  # whole words still


@pytest.mark.parametrize(
    ("question", "phrase", "after", "counts"),
    [
        ("How many striking bus drivers were there?", "850", " drivers walked out", True),
        ("How many striking bus drivers were there?", "8 percent", " pay rise", False),
        ("How many days did people wait for power?", "45 days", " without power", True),
        ("How many hours were workers trapped?", "36 hours", " underground", True),
        ("How many times have voters rejected the levy?", "three times", " since 2010", True),
    ],
)
def test_a_number_counts_what_the_question_asks_for(
    question: str, phrase: str, after: str, counts: bool
) -> None:
    assert measures(question, phrase, after) is counts


def test_a_figure_said_as_of_a_coming_day_is_reported_on_its_publication_day() -> None:
    coming = _citation(1, "Coastal Wire", "2026-03-12", "Fares will rise to $3.75 as of Monday.")
    assert coming.as_of == dt.date(2026, 3, 12)
