"""Tests for qa/dates.py: time expressions in a question as a window of publication dates.

The reference date is Tuesday 2026-11-24 unless a test says otherwise. The last test reads the
shared rtqa dev questions by path (they are never copied into the repo).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
from support import RTQA

from qa.dates import TimeWindow, parse_reference, resolve_time, time_windows
from qa.errors import QuestionError

REF = dt.date(2026, 11, 24)  # a Tuesday
SUNDAY = dt.date(2026, 11, 29)
D = dt.date


def _window(question: str, reference: dt.date = REF) -> tuple[str, dt.date, dt.date, bool]:
    found = resolve_time(question, reference)
    assert found is not None, question
    assert found.since <= found.until <= reference, found
    return found.phrase, found.since, found.until, found.strict


# ------------------------------------------------------------------------- each expression


@pytest.mark.parametrize(
    ("question", "phrase", "since", "until", "strict"),
    [
        # News of today may carry yesterday's date.
        ("What happened today?", "today", D(2026, 11, 23), REF, False),
        ("Who resigned yesterday?", "yesterday", D(2026, 11, 22), REF, False),
        ("Which team won this week?", "this week", D(2026, 11, 17), REF, False),
        ("Who won the award this past week?", "this past week", D(2026, 11, 17), REF, False),
        ("What fell over the past week?", "over the past week", D(2026, 11, 17), REF, False),
        ("Who was elected in the last week?", "in the last week", D(2026, 11, 17), REF, False),
        # The previous calendar week (Mon 16 to Sun 22) and what was written about it since.
        ("Who was arrested last week?", "last week", D(2026, 11, 16), REF, False),
        ("Who won last week's election?", "last week", D(2026, 11, 16), REF, False),
        # The weekend of Sat 21 / Sun 22, from the Thursday before (previews).
        ("Who won the final last weekend?", "last weekend", D(2026, 11, 19), REF, False),
        ("What opened this weekend?", "this weekend", D(2026, 11, 19), REF, False),
        ("Who won this past weekend?", "this past weekend", D(2026, 11, 19), REF, False),
        ("What closed this month?", "this month", D(2026, 11, 1), REF, False),
        ("What grounded jets earlier this month?", "this month", D(2026, 11, 1), REF, False),
        # An event of last month or last year is still being reported now.
        ("What did inflation do last month?", "last month", D(2026, 10, 1), REF, False),
        ("Who hosts this year's Oscars?", "this year", D(2026, 1, 1), REF, False),
        ("Which record was set last year?", "last year", D(2025, 1, 1), REF, False),
        ("Which WNBA team recently won?", "recently", D(2026, 10, 25), REF, False),
        ("What have prices done lately?", "lately", D(2026, 10, 25), REF, False),
        ("According to a recent study, what?", "recent", D(2026, 10, 25), REF, False),
        ("Which nation fell in recent days?", "in recent days", D(2026, 10, 25), REF, False),
        ("What rose in recent weeks?", "in recent weeks", D(2026, 10, 25), REF, False),
        ("What grew in recent months?", "in recent months", D(2026, 8, 26), REF, False),
        # The latest such weekday on or before the reference, a day either side.
        ("Who was named on Monday?", "on Monday", D(2026, 11, 22), REF, False),
        ("What crashed on Tuesday?", "on Tuesday", D(2026, 11, 23), REF, False),
        ("What erupted on Wednesday?", "on Wednesday", D(2026, 11, 17), D(2026, 11, 19), False),
        ("On Saturday, who won?", "On Saturday", D(2026, 11, 20), D(2026, 11, 22), False),
        ("Who won last Tuesday?", "last Tuesday", D(2026, 11, 16), D(2026, 11, 18), False),
        ("What happened in June 2023?", "in June 2023", D(2023, 6, 1), D(2023, 6, 30), True),
        ("Who led June 2023 polls?", "June 2023", D(2023, 6, 1), D(2023, 6, 30), True),
        ("What happened in June of 2023?", "in June of 2023", D(2023, 6, 1), D(2023, 6, 30), True),
        ("What did Sept. 2024 bring?", "Sept. 2024", D(2024, 9, 1), D(2024, 9, 30), True),
        ("What happened in June?", "in June", D(2026, 6, 1), D(2026, 6, 30), False),
        ("What closed in November?", "in November", D(2026, 11, 1), REF, False),
        (
            "Who died in early September?",
            "in early September",
            D(2026, 9, 1),
            D(2026, 9, 30),
            False,
        ),
        ("Who won in 2019?", "in 2019", D(2019, 1, 1), D(2019, 12, 31), True),
        ("What fell during 2019?", "during 2019", D(2019, 1, 1), D(2019, 12, 31), True),
        ("Who won in 2026?", "in 2026", D(2026, 1, 1), REF, True),
        ("What rose in mid-2019?", "in mid-2019", D(2019, 1, 1), D(2019, 12, 31), True),
        ("Who spoke on March 3, 2024?", "on March 3, 2024", D(2024, 3, 2), D(2024, 3, 4), True),
        ("Who spoke March 3, 2024?", "March 3, 2024", D(2024, 3, 2), D(2024, 3, 4), True),
        ("Who spoke 3 March 2024?", "3 March 2024", D(2024, 3, 2), D(2024, 3, 4), True),
        ("Who spoke Mar. 3rd, 2024?", "Mar. 3rd, 2024", D(2024, 3, 2), D(2024, 3, 4), True),
        ("Who spoke on 2024-03-03?", "2024-03-03", D(2024, 3, 2), D(2024, 3, 4), True),
        (
            "What began airing on Sunday, Jan. 7, 2024?",
            "on Sunday, Jan. 7, 2024",
            D(2024, 1, 6),
            D(2024, 1, 8),
            True,
        ),
        ("Who vanished on November 1?", "on November 1", D(2026, 10, 31), D(2026, 11, 2), False),
        (
            "Who left on the 3rd of November?",
            "on the 3rd of November",
            D(2026, 11, 2),
            D(2026, 11, 4),
            False,
        ),
        ("What has grown since March 2024?", "since March 2024", D(2024, 3, 1), REF, True),
        ("Who has led since 2017?", "since 2017", D(2017, 1, 1), REF, True),
        ("Who has led since March 3, 2024?", "since March 3, 2024", D(2024, 3, 3), REF, True),
        ("Who has led since June?", "since June", D(2026, 6, 1), REF, False),
        # N units ago: that point, a quarter of the distance either side.
        ("What landed 3 days ago?", "3 days ago", D(2026, 11, 20), D(2026, 11, 22), False),
        ("What landed two weeks ago?", "two weeks ago", D(2026, 11, 6), D(2026, 11, 14), False),
        ("What landed a month ago?", "a month ago", D(2026, 10, 16), D(2026, 11, 1), False),
        ("What touched down days ago?", "days ago", D(2026, 11, 20), D(2026, 11, 22), False),
        ("What fell over the past 3 days?", "over the past 3 days", D(2026, 11, 21), REF, False),
        (
            "Who won over the past two weeks?",
            "over the past two weeks",
            D(2026, 11, 10),
            REF,
            False,
        ),
        ("Who won in the past few days?", "in the past few days", D(2026, 11, 21), REF, False),
        ("What rose in the past 6 months?", "in the past 6 months", D(2026, 5, 24), REF, False),
        (
            "What rose over the last 12 months?",
            "over the last 12 months",
            D(2025, 11, 24),
            REF,
            False,
        ),
        ("Who won the last 10 days?", "the last 10 days", D(2026, 11, 14), REF, False),
        ("Who won last 10 days?", "last 10 days", D(2026, 11, 14), REF, False),
    ],
)
def test_each_expression(
    question: str, phrase: str, since: dt.date, until: dt.date, strict: bool
) -> None:
    assert _window(question) == (phrase, since, until, strict)


def test_matching_ignores_case_and_spacing() -> None:
    assert _window("WHAT HAPPENED THIS WEEK?")[1:] == (D(2026, 11, 17), REF, False)
    assert _window("what happened  in\njune   2023?")[0] == "in june 2023"
    assert _window("This week, who won?")[0] == "This week"
    assert _window("Today, the Senate voted on what?")[0] == "Today"


def test_the_window_knows_its_length() -> None:
    assert TimeWindow(D(2026, 11, 17), REF, "this week", False).days == 8


# ------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize(
    ("question", "reference", "since", "until"),
    [
        ("What happened last month?", D(2026, 1, 15), D(2025, 12, 1), D(2026, 1, 15)),
        ("What happened this month?", D(2026, 3, 1), D(2026, 3, 1), D(2026, 3, 1)),
        ("What happened this year?", D(2026, 1, 1), D(2026, 1, 1), D(2026, 1, 1)),
        ("What happened today?", D(2026, 1, 1), D(2025, 12, 31), D(2026, 1, 1)),
        ("What happened last week?", D(2026, 11, 23), D(2026, 11, 16), D(2026, 11, 23)),
        ("What happened last week?", SUNDAY, D(2026, 11, 16), SUNDAY),
        # A Sunday reference: "on Sunday" is that day, "last Sunday" the one before.
        ("What happened on Sunday?", SUNDAY, D(2026, 11, 28), SUNDAY),
        ("What happened last Sunday?", SUNDAY, D(2026, 11, 21), D(2026, 11, 23)),
        ("What happened this weekend?", SUNDAY, D(2026, 11, 26), SUNDAY),
        ("What happened last weekend?", SUNDAY, D(2026, 11, 19), SUNDAY),
        ("What happened this weekend?", D(2026, 11, 28), D(2026, 11, 26), D(2026, 11, 28)),
        # Leap days.
        ("What happened on February 29, 2024?", REF, D(2024, 2, 28), D(2024, 3, 1)),
        ("What happened on February 29?", REF, D(2024, 2, 28), D(2024, 3, 1)),
        ("What happened a month ago?", D(2024, 3, 31), D(2024, 2, 21), D(2024, 3, 8)),
        ("What happened in February 2024?", REF, D(2024, 2, 1), D(2024, 2, 29)),
        ("What happened in February?", D(2024, 3, 10), D(2024, 2, 1), D(2024, 2, 29)),
        # A yearless month takes its latest year: October is the last one, not next.
        ("Which hurricane struck in October?", D(2025, 12, 18), D(2025, 10, 1), D(2025, 10, 31)),
        ("What happened in January?", D(2026, 6, 1), D(2026, 1, 1), D(2026, 1, 31)),
        ("Who vanished on February 1?", D(2026, 2, 12), D(2026, 1, 31), D(2026, 2, 2)),
        ("Who won on Feb. 1?", D(2026, 8, 1), D(2026, 1, 31), D(2026, 2, 2)),
        # The date named is the reference day itself: the window stops there.
        ("What happened on November 24, 2026?", REF, D(2026, 11, 23), REF),
        ("What happened in November 2026?", REF, D(2026, 11, 1), REF),
    ],
)
def test_edges(question: str, reference: dt.date, since: dt.date, until: dt.date) -> None:
    assert _window(question, reference)[1:3] == (since, until)


@pytest.mark.parametrize(
    ("question", "reference"),
    [
        # Ahead of the reference: nothing was published in that window yet.
        ("Who will win in 2030?", REF),
        ("What opens in June 2027?", REF),
        ("What expires on November 25?", REF),
        ("Who performs on December 31, 2026?", REF),
        # A yearless month or day nearer ahead than behind is a coming event.
        ("Which airline is slashing flights during November?", D(2022, 8, 18)),
        ("A surge is expected when the policy expires on May 11.", D(2023, 5, 4)),
        ("Which food is devoured annually on July 4?", D(2024, 6, 21)),
    ],
)
def test_the_future_gives_no_window(question: str, reference: dt.date) -> None:
    assert resolve_time(question, reference) is None


@pytest.mark.parametrize(
    "question",
    [
        "What did The Week magazine say?",
        "Where is a good weekend getaway?",
        "There were 2,019 people at the rally.",
        "It cost $2019 to fly.",
        "Who was in Room 2019?",
        "Who stayed in 2,019 homes?",
        "Who won the 2019 election?",
        "What did the 2020 census find?",
        "Who hosts The Today show?",
        "What did USA TODAY report?",
        "Who is the mother of “Today” anchor Savannah Guthrie?",
        "Who appeared on ABC's This Week?",
        "Last Week Tonight host John Oliver said what?",
        "What did John Oliver say on Last Week Tonight?",
        "What has changed in recent years?",
        "Which animal was frozen 46,000 years ago?",
        "Food costs more than a year ago. Which item rose most?",
        "The Jan. 6 committee held a hearing. Who testified?",
        "Memorial Day weekend is upon us. Which film was first?",
        "Which event comes next week?",
        "What did Rome look like in 1776?",
        "Who won on February 30, 2024?",
        "What has happened since the war began?",
        "Which holiday falls on Mondays?",
        "",
    ],
)
def test_no_time_expression(question: str) -> None:
    assert resolve_time(question, REF) is None


# ------------------------------------------------------------------------- the most specific


def test_the_shortest_vague_window_wins() -> None:
    question = "Which team, recently promoted, won this week on Monday?"
    assert [w.phrase for w in time_windows(question, REF)] == ["on Monday", "this week", "recently"]
    assert _window(question)[0] == "on Monday"


def test_strict_beats_vague_even_when_longer() -> None:
    assert _window("Which record set in 2019 was broken this week?")[0] == "in 2019"
    assert _window("Recently, what happened in June 2023?")[0] == "in June 2023"


def test_since_only_bounds_the_start_so_it_comes_last() -> None:
    question = (
        "North Korea this week fired a missile over which country for the first time since 2017?"
    )
    windows = time_windows(question, REF)
    assert [w.phrase for w in windows] == ["this week", "since 2017"]
    assert windows[1].strict


def test_a_longer_expression_hides_the_parts_inside_it() -> None:
    # "on Sunday" and "Jan. 7, 2024" are parts of one date; "March 2024" is part of a "since".
    assert [w.phrase for w in time_windows("What aired on Sunday, Jan. 7, 2024?", REF)] == [
        "on Sunday, Jan. 7, 2024"
    ]
    assert [w.phrase for w in time_windows("What rose since March 2024?", REF)] == [
        "since March 2024"
    ]


def test_no_window_ends_after_the_reference() -> None:
    for reference in (REF, SUNDAY, D(2024, 2, 29), D(2026, 1, 1)):
        for question in (
            "today yesterday this week last week this weekend last weekend this month",
            "last month this year last year recently on Monday on Saturday in November",
            "3 days ago, a week ago, in the past 2 months, since 2020, in 2026, on March 3",
        ):
            for window in time_windows(question, reference):
                assert window.since <= window.until <= reference, (reference, window)


# ------------------------------------------------------------------------- parse_reference


def test_parse_reference() -> None:
    today = dt.date.today()
    assert parse_reference(None) == today
    assert parse_reference("today") == today
    assert parse_reference(" Today ") == today
    assert parse_reference("2024-03-01") == D(2024, 3, 1)
    assert parse_reference("2024-03-01T10:30:00") == D(2024, 3, 1)
    assert parse_reference(D(2024, 3, 1)) == D(2024, 3, 1)
    assert parse_reference(dt.datetime(2024, 3, 1, 23, 59)) == D(2024, 3, 1)
    assert type(parse_reference(dt.datetime(2024, 3, 1, 23, 59))) is dt.date


def test_a_bad_reference_says_how_to_write_one() -> None:
    with pytest.raises(QuestionError, match="YYYY-MM-DD"):
        parse_reference("next Tuesday")


def test_the_reference_defaults_to_today() -> None:
    found = resolve_time("What happened this week?")
    assert found is not None and found.until == dt.date.today()


# ------------------------------------------------------------------------- the rtqa questions


def test_every_rtqa_dev_question_resolves() -> None:
    path = RTQA / "dev.jsonl"
    if not path.exists():
        pytest.fail(f"shared data not found at {path}: the tests need ../shared beside the repo")
    with path.open(encoding="utf-8") as lines:
        items = [json.loads(line) for line in lines if line.strip()]
    phrases: Counter[str] = Counter()
    for item in items:
        reference = dt.date.fromisoformat(item["question_date"])
        found = resolve_time(item["question"], reference)
        if "this week" in item["question"].lower():
            assert found is not None, item["question"]
        if found is not None:
            assert found.since <= found.until <= reference, (item["question"], found)
            assert found.phrase.lower() in " ".join(item["question"].split()).lower()
            phrases[found.phrase.lower()] += 1
    assert len(items) == 817
    # 367 of 817 when written; 247 of them "this week".
    assert sum(phrases.values()) > 300 and phrases["this week"] > 200
