"""Fixtures for the UI tests: a served app on the sample store, and Debian's Chromium."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_OFFLINE"] = "1"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
QUESTIONS = Path(__file__).resolve().parents[2] / "samples" / "questions.jsonl"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@dataclass
class Served:
    """An app listening on 127.0.0.1, and the assistant behind it."""

    url: str
    assistant: Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def sample_questions() -> dict[str, dict[str, Any]]:
    """The questions of samples/questions.jsonl by id."""
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    return {row["id"]: row for row in rows}


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """tests/artifacts/ (git-ignored): screenshots worth a look after a run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def serve_store() -> Iterator[Callable[[Path], Served]]:
    """Serve the chat for a store in this process (with a warm model); closed at the end."""
    from qa.assistant import Assistant
    from qa.config import Settings
    from ui.app import build_app, launch, warm_up

    demos: list[Any] = []

    def start(store: Path) -> Served:
        settings = Settings.load(env={}, store=store)
        assistant = Assistant(settings)
        demo = build_app(settings, assistant)
        warm_up(assistant)
        url = launch(demo, "127.0.0.1", free_port(), block=False)
        demos.append(demo)
        return Served(url=url, assistant=assistant)

    yield start
    for demo in demos:
        demo.close()


@pytest.fixture(scope="session")
def served_samples(serve_store: Callable[[Path], Served], sample_store_master: Path) -> Served:
    """The app on the sample collection (read-only: the app never writes to its store)."""
    return serve_store(sample_store_master)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make browser` (or `apt-get install -y chromium`) "
            "to install Debian's Chromium for the browser tests.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class Watched:
    """A page, with every JavaScript dialog it opened and every url it requested."""

    page: Any
    dialogs: list[str]
    requests: list[str]


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Watched]:
    """A fresh page in its own context; dialogs (an injected `alert`) are recorded."""
    context = chromium.new_context(viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    watched = Watched(page=page, dialogs=[], requests=[])

    def on_dialog(dialog: Any) -> None:
        watched.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("request", lambda request: watched.requests.append(request.url))
    page.set_default_timeout(30_000)
    yield watched
    context.close()
