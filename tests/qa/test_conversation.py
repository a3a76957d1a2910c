"""Follow-ups made stand-alone (rules, no model), and chat over the real sample store."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from qa import Assistant
from qa.cli import main
from qa.config import Settings
from qa.conversation import MAX_TURNS, Turn, condense
from qa.errors import QuestionError

RUNOFF = Turn(
    "Who won the presidential runoff in Estravia?",
    "Lena Marovic won Estravia's presidential runoff on Sunday with 52.7 percent. [1]",
)


@pytest.mark.parametrize(
    ("message", "history", "expected"),
    [
        (
            "What about Iran?",
            [Turn("What did Israel say about the ceasefire this week?")],
            "What did Iran say about the ceasefire this week?",
        ),
        (
            "And in 2023?",
            [Turn("How many people visited Yellowstone in 2022?")],
            "How many people visited Yellowstone in 2023?",
        ),
        (
            "And last month?",
            [Turn("How many people visited Yellowstone?")],
            "How many people visited Yellowstone last month?",
        ),
        (
            "And the Valley Courier?",
            [Turn("What did the Coastal Wire report about the fire?")],
            "What did the Valley Courier report about the fire?",
        ),
        (
            "Who said that?",
            [Turn("What was said about the offer?", "The union called the offer an insult. [1]")],
            'Who said "The union called the offer an insult"?',
        ),
        ("When was she sworn in?", [RUNOFF], "When was Lena Marovic sworn in?"),
        (
            "How much did it cost?",
            [Turn("When did the Gull Point desalination plant open?")],
            "How much did it cost (Gull Point desalination plant open)?",
        ),
        (
            "What happened next?",
            [Turn("What did the council decide on the desalination plant this week?")],
            "What happened next (council decide desalination plant) this week?",
        ),
        # A message that names its own subject is left alone, and so is a first message.
        (
            "How much did the Gull Point plant cost?",
            [RUNOFF],
            "How much did the Gull Point plant cost?",
        ),
        ("What about Iran?", [], "What about Iran?"),
    ],
)
def test_follow_ups_become_stand_alone(message: str, history: list[Turn], expected: str) -> None:
    assert condense(message, history) == expected


def test_the_latest_turn_wins_and_what_was_searched_carries_on() -> None:
    history = [
        Turn("Who won the mayoral race in Port Halvern?"),
        Turn("What about Iran?", searched="What did Israel say about the ceasefire?"),
    ]
    assert condense("And Egypt?", history) == "What did Egypt say about the ceasefire?"


def test_a_huge_history_is_bounded() -> None:
    history = [Turn("x" * 100_000, "y" * 100_000)] * 5_000
    searched = condense("What about it?", history)
    assert searched.startswith("What about it") and len(searched) < 1000
    assert MAX_TURNS <= 10


@pytest.fixture(scope="module")
def assistant(sample_store_master: Path) -> Assistant:
    return Assistant(Settings.load(store=sample_store_master))


def test_chat_answers_a_follow_up_from_the_right_article(assistant: Assistant) -> None:
    first = assistant.chat("Who won the presidential runoff in Estravia?")
    assert "Marovic" in first.text and first.searched == first.question
    follow = assistant.chat("When was she sworn in?", [(first.question, first.text)])
    assert follow.question == "When was she sworn in?"
    assert follow.searched == "When was Lena Marovic sworn in?"
    assert "election-inauguration" in {c.article_id for c in follow.citations}
    assert follow.to_dict()["searched"] == follow.searched
    same = assistant.chat(
        "When was she sworn in?", [{"question": first.question, "answer": first.text}]
    )
    assert same.searched == follow.searched


def test_bad_history_and_messages_get_clear_errors(assistant: Assistant) -> None:
    with pytest.raises(QuestionError, match="history item"):
        assistant.chat("And then?", [42])  # type: ignore[list-item]
    with pytest.raises(QuestionError):
        assistant.chat("   ", [RUNOFF])


def test_the_chat_command_holds_a_conversation(sample_store_master: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["chat", "--store", str(sample_store_master)],
        input="Who won the presidential runoff in Estravia?\nWhen was she sworn in?\n\n",
    )
    assert result.exit_code == 0, result.output
    assert "(searched: When was Lena Marovic sworn in?)" in result.output
    assert result.output.count("[1]") >= 2


def test_a_conversation_keeps_its_people_and_topics_apart() -> None:
    won = Turn(
        "Who won the presidential runoff in Estravia?",
        "Lena Marovic won Estravia's presidential runoff on Sunday, defeating Tomas "
        "Reyes-Halden. [1]",
    )
    sworn = Turn(
        "When was she sworn in?",
        "Marovic placed her hand on the constitution as she was sworn in by Chief Justice "
        "Viktor Halmi. [1]",
        "When was Lena Marovic sworn in?",
    )
    # "she" is still the person the conversation is about, not the judge the answer named
    assert condense("Who did she defeat?", [won, sworn]) == "Who did Lena Marovic defeat?"
    # a new topic in lower case is not put into the old question
    assert condense("What about the rail strike?", [won, sworn]) == "What about the rail strike?"
    # "he": the name the answer brought up, not the one the question already had
    mediator = Turn(
        "Who was brought in to mediate the rail dispute?",
        "Valley Regional Rail and the union agreed to bring in mediator Helen Ashdown. [1]",
    )
    assert condense("How old is he?", [mediator]) == "How old is Helen Ashdown?"
    # a question that stands on its own is searched as it is
    fire = Turn("How many homes did the Redstone Ridge fire destroy?", "It destroyed 37. [1]")
    own = "How much will the council spend on fire recovery?"
    assert condense(own, [fire]) == own
