"""Timeline answers: dated quotes, oldest first, copies collapsed, undated articles apart."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from support import store_of

from qa.assistant import Assistant
from qa.config import Settings
from qa.timeline import asks_for_timeline


@pytest.mark.parametrize(
    "question",
    [
        "How did the rail strike unfold?",
        "What happened with the Redstone Ridge fire?",
        "How has the desalination project developed since the vote?",
        "Give me a timeline of the Estravia election.",
        "What is the chronology of the talks?",
        "How did the dispute play out?",
    ],
)
def test_questions_about_how_a_story_went_ask_for_a_timeline(question: str) -> None:
    assert asks_for_timeline(question)


@pytest.mark.parametrize(
    "question",
    [
        "When did the rail strike end?",
        "How many people were evacuated because of the Redstone Ridge fire?",
        "Who won the runoff in Estravia?",
        "How did the council vote on the plant?",
    ],
)
def test_other_questions_do_not(question: str) -> None:
    assert not asks_for_timeline(question)


def test_the_sample_rail_strike_as_a_timeline(sample_store: Path) -> None:
    from index.store import open_store as opened

    result = Assistant(Settings.load(store=sample_store)).ask("How did the rail strike unfold?")
    assert not result.abstained and result.mode == "extractive"
    entries = result.timeline
    assert len(entries) >= 4
    days = [e.date for e in entries]
    assert all(d is not None for d in days) and days == sorted(days)  # type: ignore[type-var]
    assert len({e.date for e in entries}) == len(entries)  # one development a day
    cited = {c.n: c for c in result.citations}
    assert [e.n for e in entries] == sorted(cited)
    store = opened(sample_store)
    articles = {c.article_id for c in result.citations}
    assert len(articles) >= 2  # from several articles
    for e in entries:
        c = cited[e.n]
        body = store.get(c.article_id).article.body  # type: ignore[union-attr]
        assert body[c.start : c.end] == c.quote  # every line is a quote
        assert c.published is not None and e.date is not None and e.date <= c.published
        if e.dated_by == "quote":  # the sentence names its day
            assert any(m.date == e.date for m in c.dates), (c.quote, e)
        else:
            assert e.date == c.published
        assert f"{e.label}: {c.quote} [{e.n}]" in result.text
    assert any("ratified" in cited[e.n].quote for e in entries)  # the strike's end is there
    data = result.to_dict()["timeline"]
    assert [d["n"] for d in data] == [e.n for e in entries]
    assert data[0]["date"] == entries[0].date.isoformat()  # type: ignore[union-attr]


def test_a_story_the_articles_do_not_tell_gets_no_timeline(sample_store: Path) -> None:
    result = Assistant(Settings.load(store=sample_store)).ask(
        "How did the volcano eruption in Peru unfold?"
    )
    assert result.abstained and result.timeline == () and result.citations == ()


def test_a_factual_question_can_be_asked_as_a_timeline_and_a_timeline_one_not(
    sample_store: Path,
) -> None:
    assistant = Assistant(Settings.load(store=sample_store))
    forced = assistant.ask("Valley Regional Rail strike", timeline=True)
    assert len(forced.timeline) >= 3
    plain = assistant.ask("How did the rail strike unfold?", timeline=False)
    assert plain.timeline == ()


STORY = [
    # two reports of the same development on the same day, and an undated article
    {
        "id": "bridge-closed",
        "title": "Harbour bridge closed after crack found",
        "source": "Coastal Wire",
        "published_at": "2026-04-08",
        "body": "Engineers closed the Harbour Bridge in Port Selden on Tuesday after "
        "inspectors found a crack in one of its steel girders. Traffic was sent through "
        "the tunnel, and ferries added extra crossings for commuters.",
    },
    {
        "id": "bridge-closed-ledger",
        "title": "Port Selden bridge shut as inspectors find cracked girder",
        "source": "Harbor Ledger",
        "published_at": "2026-04-08",
        "body": "The Harbour Bridge in Port Selden was closed on Tuesday after inspectors "
        "found a crack in a steel girder, the city's engineers said.",
    },
    {
        "id": "bridge-repairs",
        "title": "Harbour bridge repairs to take three weeks",
        "source": "Coastal Wire",
        "published_at": "2026-04-15",
        "body": "Repair crews began welding new plates onto the cracked girder of the Harbour "
        "Bridge in Port Selden on Monday, and the city said the bridge would stay closed "
        "for three weeks.",
    },
    {
        "id": "bridge-reopened",
        "title": "Harbour bridge reopens",
        "source": "Harbor Ledger",
        "published_at": "2026-05-06",
        "body": "The Harbour Bridge in Port Selden reopened to traffic on Wednesday morning, "
        "four weeks after the cracked girder was found.",
    },
    {
        "id": "bridge-letters",
        "title": "Letters: the Harbour Bridge",
        "source": "Port Selden Voice",
        "body": "Readers wrote in about the Harbour Bridge in Port Selden, whose cracked girder "
        "kept it closed for weeks; several asked why the inspections came so late.",
    },
]


@pytest.fixture(scope="module")
def bridge_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return store_of(STORY, tmp_path_factory.mktemp("bridge"))


def test_copies_collapse_and_undated_articles_stand_apart(bridge_store: Path) -> None:
    result = Assistant(Settings.load(store=bridge_store)).ask(
        "How did the Harbour Bridge closure in Port Selden unfold?"
    )
    cited = {c.n: c for c in result.citations}
    dated = [e for e in result.timeline if e.date is not None]
    undated = [e for e in result.timeline if e.date is None]
    assert [e.date for e in dated] == [
        dt.date(2026, 4, 7),  # closed "on Tuesday", reported by two papers on Wednesday
        dt.date(2026, 4, 13),  # repairs began "on Monday"
        dt.date(2026, 5, 6),  # reopened "on Wednesday morning"
    ]
    closed = dated[0]
    both = {cited[closed.n].article_id, *closed.copies}
    assert both == {"bridge-closed", "bridge-closed-ledger"}  # one entry, the other a copy
    # the copy is named for people by its outlet, for programs by its id
    sources = {"bridge-closed": "Coastal Wire", "bridge-closed-ledger": "Harbor Ledger"}
    assert closed.told_by == tuple(sources[a] for a in closed.copies)
    assert [cited[e.n].article_id for e in undated] == ["bridge-letters"]
    assert undated[0].label == "undated" and undated[0].dated_by == ""
    assert result.timeline[-1] == undated[0]  # listed after the dated ones
    assert "Undated (their articles have no publication date):" in result.text
