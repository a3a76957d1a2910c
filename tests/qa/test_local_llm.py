"""A local GGUF model (SmolLM2-135M, 93 MB) served by llama.cpp in-process, for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import Assistant
from qa.config import Settings
from qa.errors import ConfigError
from qa.local_llm import model_file, server_url

QUESTION = "How much is the Gull Point desalination plant expected to cost in total?"


def test_model_files_are_found_and_checked(tmp_path: Path) -> None:
    path = model_file("smollm2")
    assert path.name.endswith(".gguf") and path.stat().st_size > 50_000_000
    with pytest.raises(ConfigError, match="llm_model_path"):
        model_file("")
    with pytest.raises(ConfigError, match="no model file"):
        model_file(str(tmp_path / "missing.gguf"))
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"<html>not a model</html>")
    with pytest.raises(ConfigError, match="not a GGUF"):
        model_file(str(broken))


def test_the_local_server_speaks_http_on_localhost() -> None:
    url = server_url("smollm2", context=2048)
    assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
    assert server_url("smollm2") == url  # one server per model per process


def test_a_local_model_answers_and_every_kept_sentence_is_checked(
    sample_store_master: Path,
) -> None:
    settings = Settings.load(
        store=sample_store_master, answer_mode="local", llm_model_path="smollm2", llm_max_tokens=96
    )
    tokens: list[str] = []
    result = Assistant(settings).ask(QUESTION, on_token=tokens.append)
    assert len(tokens) > 3  # streamed from llama.cpp as it wrote
    assert result.mode in ("generative", "extractive-fallback")
    assert result.checks or result.mode == "extractive-fallback"
    if result.mode == "generative":
        kept = [c for c in result.checks if c.supported]
        assert kept and all(c.text in result.text for c in kept)
        assert not any(c.text in result.text for c in result.checks if not c.supported)
    else:
        assert "$412 million" in result.text
