"""How ``benchmarks.dates`` and ``benchmarks.timelines`` score, on hand-made items, and
that their gold files are well formed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from benchmarks.date_gold import GOLD as DATE_GOLD
from benchmarks.dates import PARTS, agreement, part, verdict
from benchmarks.timelines import GOLD as TIMELINE_GOLD
from benchmarks.timelines import score
from qa.types import Answer, Citation, TimelineEntry

SENTENCE = "The council voted on Tuesday to approve the plan."


def item(label: str, **days: str) -> dict[str, Any]:
    a = SENTENCE.index("Tuesday")
    return {
        "published": "2026-03-12",  # a Thursday
        "mention": [a, a + len("Tuesday")],
        "label": label,
        **days,
    }


def test_a_date_item_is_right_only_with_the_same_days() -> None:
    right, found = verdict(item("date", date="2026-03-10", until="2026-03-10"), SENTENCE)
    assert right and [m.text for m in found] == ["on Tuesday"]
    wrong, _ = verdict(item("date", date="2026-03-03", until="2026-03-03"), SENTENCE)
    assert not wrong


def test_not_a_date_and_unresolved_items_want_nothing_resolved_there() -> None:
    assert not verdict(item("not_a_date"), SENTENCE)[0]  # the resolver found a day there
    assert not verdict(item("unresolved"), SENTENCE)[0]
    elsewhere = {**item("not_a_date"), "mention": [0, 3]}  # "The": nothing there
    assert verdict(elsewhere, SENTENCE)[0]


def test_the_date_gold_is_well_formed() -> None:
    rows = [json.loads(line) for line in DATE_GOLD.read_text("utf-8").splitlines() if line]
    assert len(rows) >= 200
    assert [r["n"] for r in rows] == list(range(len(rows)))
    for r in rows:
        assert r["label"] in ("date", "not_a_date", "unresolved"), r
        assert r["start"] < r["end"] and 0 <= r["mention"][0] < r["mention"][1], r
        assert "body" not in r and "sentence" not in r  # offsets only: no corpus text
        if r["label"] == "date":
            assert dt.date.fromisoformat(r["date"]) <= dt.date.fromisoformat(r["until"]), r


def test_two_readers_agree_only_on_the_same_verdict() -> None:
    day = {"label": "date", "date": "2026-03-10", "until": "2026-03-10"}
    same = {**day, "second": dict(day)}
    other_day = {**day, "second": {**day, "date": "2026-03-03", "until": "2026-03-03"}}
    name = {"label": "not_a_date", "second": {"label": "unresolved"}}
    assert agreement([same]) == 1.0
    assert agreement([same, other_day, name]) == 1 / 3


def test_every_item_falls_in_one_part_in_order() -> None:
    rows = [json.loads(line) for line in DATE_GOLD.read_text("utf-8").splitlines() if line]
    names = [part(r["n"]) for r in rows]
    assert names[0] == "dev" and names[-1] == PARTS[-1][1]
    assert names == sorted(names, key=[name for _, name in PARTS].index)
    assert all(
        r["second"]["label"] in ("date", "not_a_date", "unresolved") for r in rows if "second" in r
    )


def citation(n: int, article: str, quote: str, day: dt.date) -> Citation:
    return Citation(n, article, "", "", day, "", quote, 0, quote, 0, len(quote), 1.0)


STORY = {
    "articles": ["a", "b"],
    "developments": [
        {"date": "2026-01-12", "keywords": ["walked out"], "articles": ["a"]},
        {"date": "2026-01-20", "keywords": ["talks resumed"], "articles": ["b"]},
        {"date": "2026-01-28", "keywords": ["ratified"], "articles": ["b"]},
    ],
}


def timeline(*entries: tuple[str, str, dt.date]) -> Answer:
    cites = tuple(citation(n, a, q, d) for n, (a, q, d) in enumerate(entries, start=1))
    lines = tuple(TimelineEntry(c.n, c.published, c.published, "day", "quote") for c in cites)
    return Answer("How did it unfold?", "", cites, (), False, timeline=lines)


def test_a_timeline_is_scored_on_story_date_order_and_found() -> None:
    answer = timeline(
        ("a", "Workers walked out at midnight.", dt.date(2026, 1, 12)),
        ("b", "Talks resumed under a mediator.", dt.date(2026, 1, 21)),  # a day late
        ("x", "An unrelated fair opened.", dt.date(2026, 1, 22)),
        ("b", "Members ratified the deal.", dt.date(2026, 1, 28)),
    )
    tally = score(STORY, answer)
    assert (tally.entries, tally.on_story) == (4, 3)
    assert (tally.telling, tally.right_date) == (3, 2)
    assert (tally.pairs, tally.ordered) == (2, 2)
    assert (tally.developments, tally.found) == (3, 3)


def test_an_entry_out_of_the_story_s_order_counts_against_it() -> None:
    answer = timeline(
        ("b", "Members ratified the deal.", dt.date(2026, 1, 10)),  # dated too early
        ("a", "Workers walked out at midnight.", dt.date(2026, 1, 12)),
    )
    tally = score(STORY, answer)
    assert (tally.pairs, tally.ordered, tally.right_date) == (1, 0, 1)
    abstained = dataclasses.replace(answer, citations=(), timeline=(), abstained=True)
    assert score(STORY, abstained).abstained == 1


def test_the_timeline_gold_is_well_formed() -> None:
    stories = [json.loads(line) for line in TIMELINE_GOLD.read_text("utf-8").splitlines()]
    assert {s["split"] for s in stories} == {"tuned", "held-out"}
    for s in stories:
        assert s["collection"] in ("samples", "rtqa") and s["question"].endswith("?"), s["story"]
        days = [d["date"] for d in s["developments"]]
        assert days == sorted(days) and len(days) >= 4, s["story"]
        for d in s["developments"]:
            assert d["keywords"] and set(d["articles"]) <= set(s["articles"]), d


def test_a_sentence_telling_two_developments_is_right_dated_as_either() -> None:
    answer = timeline(
        ("b", "Members ratified the deal, 16 days after they walked out.", dt.date(2026, 1, 28))
    )
    tally = score(STORY, answer)
    assert (tally.telling, tally.right_date, tally.found) == (1, 1, 1)  # credited: ratified
