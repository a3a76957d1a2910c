"""The served app, end to end: Chromium (through Playwright) and gradio_client against it.

The fixtures live here, not in a tests/ui/conftest.py: other test modules import names from
the top-level ``conftest``, and a second conftest module would shadow it.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
QUESTIONS = Path(__file__).resolve().parents[2] / "samples" / "questions.jsonl"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ANSWER_TIMEOUT_MS = 60_000  # an answer takes ~4 s on 2 busy cores


@dataclass
class Served:
    """An app listening on 127.0.0.1, and the assistant behind it."""

    url: str
    assistant: Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def sample_questions() -> dict[str, dict[str, Any]]:
    """The questions of samples/questions.jsonl by id."""
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    return {row["id"]: row for row in rows}


@pytest.fixture(scope="module")
def artifacts_dir() -> Path:
    """tests/artifacts/ (git-ignored): screenshots worth a look after a run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
def served_samples(serve_store: Callable[[Path], Served], sample_store_master: Path) -> Served:
    """The app on the sample collection (read-only: the app never writes to its store)."""
    return serve_store(sample_store_master)


@pytest.fixture(scope="module")
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


def open_app(page: Any, url: str) -> None:
    from playwright.sync_api import expect

    page.goto(url, wait_until="load")  # never "networkidle": Gradio keeps a connection open
    expect(page.locator("#aqa-question textarea")).to_be_editable()


def ask(page: Any, question: str, answers_before: int = 0) -> None:
    """Type ``question``, press Ask and wait for its answer and sources."""
    from playwright.sync_api import expect

    page.locator("#aqa-question textarea").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    bots = page.locator('#aqa-chat [data-testid="bot"]')
    expect(bots).to_have_count(answers_before + 1, timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator("#aqa-sources .aqa-card").first).to_be_visible()


def last_answer(page: Any) -> Any:
    return page.locator('#aqa-chat [data-testid="bot"]').last


def only_local_requests(watched: Watched, url: str) -> list[str]:
    origin = url.rstrip("/")
    return [
        u
        for u in watched.requests
        if not u.startswith((origin, "data:", "blob:", "about:", "chrome-extension:"))
    ]


@pytest.mark.browser
def test_sample_question_is_answered_with_its_cited_source(
    served_samples: Served,
    browser_page: Watched,
    sample_store_master: Path,
    sample_questions: dict[str, dict[str, Any]],
    artifacts_dir: Path,
) -> None:
    from playwright.sync_api import expect

    from index.store import Store

    sample = sample_questions["s01"]
    evidence = sample["evidence"][0]
    record = Store(sample_store_master).get(evidence["article_id"])
    assert record is not None, evidence
    page = browser_page.page

    open_app(page, served_samples.url)
    ask(page, sample["question"])

    answer = last_answer(page)
    expect(answer).to_contain_text("[1]")
    expect(answer).to_contain_text(sample["answer"])  # "$412 million"
    card = page.locator(f'#aqa-sources .aqa-card[data-article-id="{evidence["article_id"]}"]')
    expect(card).to_have_count(1)
    expect(card).to_contain_text(record.article.title)
    expect(card).to_contain_text(record.article.source)
    expect(card.locator("mark", has_text=evidence["quote"])).to_have_count(1)
    link = card.locator("a[href^='https://']")
    expect(link).to_have_attribute("href", record.article.url)
    expect(link).to_have_attribute("rel", "noopener noreferrer")

    shot = artifacts_dir / "ui-answer.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")

    # The [1] marker leads to source card 1, in the same tab.
    answer.get_by_role("link", name="[1]").click()
    expect(page).to_have_url(re.compile(r"#source-1$"))
    expect(page.locator("#source-1")).to_be_in_viewport()

    assert browser_page.dialogs == []
    assert only_local_requests(browser_page, served_samples.url) == []


@pytest.mark.browser
def test_example_card_asks_its_question(served_samples: Served, browser_page: Watched) -> None:
    from playwright.sync_api import expect

    from ui.app import SAMPLE_EXAMPLES

    question, article_id = SAMPLE_EXAMPLES[1]
    page = browser_page.page
    open_app(page, served_samples.url)
    page.get_by_text(question, exact=True).click()
    expect(last_answer(page)).to_contain_text("[1]", timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator(f'.aqa-card[data-article-id="{article_id}"]')).to_have_count(1)

    # The chat's bin empties the chat and the sources panel; the next turn starts afresh.
    page.locator("#aqa-chat").get_by_role("button", name="Clear").click()
    expect(page.locator("#aqa-sources .aqa-empty")).to_be_visible()
    expect(page.locator('#aqa-chat [data-testid="user"]')).to_have_count(0)
    ask(page, "When did the rail strike end?")
    expect(page.locator('#aqa-chat [data-testid="user"]')).to_have_count(1)
    expect(page.locator(".aqa-card[data-article-id='rail-strike-settlement']")).to_have_count(1)


HOSTILE_ARTICLE = {
    "id": "hostile-festival",
    "title": "Lantern festival <img src=x onerror=alert('title')> [click](javascript:alert(1))",
    "source": "<b>Wire</b> <script>alert('source')</script>",
    "url": "javascript:alert('url')",
    "published_at": "2026-05-02",
    "body": (
        "The Zorblax lantern festival drew 5,000 visitors <img src=x onerror=alert('body')> "
        "to Lake Mirren on Saturday, organisers said. Tickets sold out within an hour, "
        "see [click](javascript:alert(2)) or www.evil.example for details. "
        "Organisers plan a second night of lanterns next year, with a larger stage."
    ),
}


@pytest.fixture
def served_hostile(serve_store: Callable[[Path], Served], tmp_path: Path) -> Served:
    """The app on a store holding one article full of markup."""
    from index.ingest import Ingestor
    from index.store import Store

    source = tmp_path / "hostile.json"
    source.write_text(json.dumps(HOSTILE_ARTICLE), encoding="utf-8")
    store = Store(tmp_path / "hostile-store")
    report = Ingestor(store).ingest_paths([source], progress=False)
    assert report.added == 1, report.summary()
    store.close()
    return serve_store(store.path)


@pytest.mark.browser
def test_markup_in_articles_is_shown_as_text(served_hostile: Served, browser_page: Watched) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    open_app(page, served_hostile.url)
    ask(page, "How many visitors did the Zorblax lantern festival draw?")

    answer = last_answer(page)
    expect(answer).to_contain_text("5,000 visitors <img src=x onerror=alert('body')> to Lake")
    sources = page.locator("#aqa-sources")
    expect(sources).to_contain_text(HOSTILE_ARTICLE["title"])
    expect(sources).to_contain_text("<b>Wire</b> <script>alert('source')</script>")
    expect(sources.locator("mark").first).to_contain_text("<img src=x onerror=alert('body')>")
    for area in (answer, sources):
        expect(area.locator("img, script, b")).to_have_count(0)
        expect(area.locator("a[href^='javascript'], a[href*='evil']")).to_have_count(0)
    assert browser_page.dialogs == []


@pytest.mark.slow
def test_chat_and_ask_endpoints_answer_through_gradio_client(
    served_samples: Served, sample_questions: dict[str, dict[str, Any]]
) -> None:
    from gradio_client import Client

    sample = sample_questions["s01"]
    client = Client(served_samples.url, verbose=False)

    history, sources, textbox = client.predict(sample["question"], api_name="/chat")
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert "[1]" in history[-1]["content"][0]["text"]
    assert 'id="source-1"' in sources
    assert textbox == ""

    result = client.predict(sample["question"], api_name="/ask")
    assert not result["abstained"]
    assert result["citations"][0]["n"] == 1
    cited = {c["article_id"] for c in result["citations"]}
    assert sample["evidence"][0]["article_id"] in cited

    # Each client is its own session: its history holds only its own turns.
    other = Client(served_samples.url, verbose=False)
    other_history, _, _ = other.predict("When did the rail strike end?", api_name="/chat")
    assert len(other_history) == 2
    history, _, _ = client.predict("When did the rail strike end?", api_name="/chat")
    assert len(history) == 4


@pytest.mark.slow
def test_errors_reach_the_user_as_their_message(
    serve_store: Callable[[Path], Served], tmp_path: Path
) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(serve_store(tmp_path / "empty-store").url, verbose=False)
    history, sources, textbox = client.predict("Who won the runoff?", api_name="/chat")
    reply = history[-1]["content"][0]["text"]
    assert "No articles indexed yet" in reply
    assert "Traceback" not in reply
    assert "No articles indexed yet" in sources
    assert textbox == "Who won the runoff?"  # kept, to ask again once articles are in
    with pytest.raises(AppError, match="No articles indexed yet"):
        client.predict("Who won the runoff?", api_name="/ask")
