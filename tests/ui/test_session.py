"""ui.session: a session's choices make (cached) assistants; example questions from the store."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import ConfigError
from ui.session import SAMPLE_EXAMPLES, Assistants, Choices, example_questions, with_api_key


@pytest.fixture
def base(tmp_path: Path) -> Assistant:
    return Assistant(Settings.load(env={}, store=tmp_path / "store"))


def test_default_choices_are_the_base_assistant(base: Assistant) -> None:
    assistants = Assistants(base)
    assert assistants.default == Choices("extractive", "", "", 5, "none")
    assert assistants.get(assistants.default) is base


def test_choices_round_trip_through_session_state() -> None:
    choices = Choices("openai", "http://127.0.0.1:1/v1", "m", 3, "sentence")
    assert Choices.from_dict(choices.changes()) == choices
    assert Choices.from_dict(None) == Choices()
    assert Choices.from_dict({"k": 2, "api_key": "never kept here"}) == Choices(k=2)


def test_derived_assistants_are_cached_by_their_choices(base: Assistant) -> None:
    assistants = Assistants(base, size=2)
    two = assistants.get(Choices(k=2))
    assert two.settings.k == 2 and base.settings.k == 5
    assert assistants.get(Choices(k=2)) is two
    assert two.store is base.store and two.embedder is base.embedder
    assistants.get(Choices(k=3))
    assistants.get(Choices(k=4))  # the cache holds two: k=2 goes
    assert assistants.get(Choices(k=2)) is not two


def test_invalid_choices_say_what_is_missing(base: Assistant) -> None:
    with pytest.raises(ConfigError, match="llm_base_url"):
        Assistants(base).get(Choices(answer_mode="openai"))


def test_api_key_goes_into_a_copy_never_the_shared_assistant(base: Assistant) -> None:
    assistants = Assistants(base)
    choices = Choices(answer_mode="openai", llm_base_url="http://127.0.0.1:9/v1", llm_model="m")
    shared = assistants.get(choices)
    keyed = assistants.get(choices, api_key="sk-session-secret")
    assert keyed is not shared
    assert keyed.generator is not None and shared.generator is not None
    assert keyed.generator.llm.api_key == "sk-session-secret"
    assert shared.generator.llm.api_key != "sk-session-secret"
    assert keyed.generator.llm.api_base == shared.generator.llm.api_base
    assert assistants.get(choices) is shared  # the key is not cached
    assert with_api_key(base, "sk-x") is base  # extractive: no model, nothing to key


def test_sample_collection_offers_the_sample_questions(sample_store_master: Path) -> None:
    assistant = Assistant(Settings.load(env={}, store=sample_store_master))
    assert example_questions(assistant) == [q for q, _ in SAMPLE_EXAMPLES]


def test_other_collections_offer_questions_about_their_newest_titles(tmp_path: Path) -> None:
    from index.ingest import Ingestor
    from index.store import Store

    rows = [
        {"id": f"a{i}", "title": f"Story number {i}.", "published_at": f"2026-0{i}-01",
         "body": f"Something happened in month {i}. It was reported widely."}
        for i in range(1, 6)
    ]  # fmt: skip
    source = tmp_path / "articles.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    store = Store(tmp_path / "store")
    Ingestor(store).ingest_paths([source], progress=False)
    assistant = Assistant(Settings.load(env={}, store=store.path))
    assert example_questions(assistant) == [
        "What happened: Story number 5?",
        "What happened: Story number 4?",
        "What happened: Story number 3?",
    ]


def test_no_store_no_examples(base: Assistant) -> None:
    assert example_questions(base) == []


def test_stream_answer_passes_on_what_is_written_then_the_answer() -> None:
    import threading

    from qa.answer import Answer
    from ui.session import stream_answer

    done = Answer("q", "The end. [1]", (), (), False)
    go_on = threading.Event()

    def write(on_token: Callable[[str], None]) -> Answer:
        on_token("The ")
        go_on.wait(5)  # the first piece is shown before the rest comes
        on_token("end.")
        on_token(" [1]")
        return done

    events = stream_answer(write)
    assert next(events) == ("partial", "The ")
    go_on.set()
    rest = list(events)
    assert rest[-1] == ("answer", done)
    assert rest[-2] == ("partial", "The end. [1]")


def test_stream_answer_turns_failures_into_messages() -> None:
    from ui.session import stream_answer

    def empty(on_token: Callable[[str], None]) -> Any:
        raise ConfigError("answer_mode openai needs llm_base_url")

    def broken(on_token: Callable[[str], None]) -> Any:
        raise RuntimeError("secret internals")

    assert list(stream_answer(empty)) == [("error", "answer_mode openai needs llm_base_url")]
    ((kind, message),) = list(stream_answer(broken))
    assert kind == "error" and "RuntimeError" in message and "secret" not in message


def test_stopping_the_stream_stops_the_writer_at_its_next_token() -> None:
    import threading

    from ui.session import stream_answer

    written: list[str] = []
    finished = threading.Event()
    go_on = threading.Event()

    def write(on_token: Callable[[str], None]) -> Any:
        try:
            on_token("The ")
            go_on.wait(5)
            for token in ["long ", "answer ", "nobody ", "reads."]:
                on_token(token)
                written.append(token)
        finally:
            finished.set()

    events = stream_answer(write)
    assert next(events) == ("partial", "The ")
    events.close()  # what Gradio does when the reader presses Stop
    go_on.set()
    assert finished.wait(5)
    assert written == []  # the first token after Stop raised; nothing more was written
