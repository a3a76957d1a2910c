"""The served app, end to end: Chromium (through Playwright) and gradio_client against it.

The fixtures live here, not in a tests/ui/conftest.py: other test modules import names from
the top-level ``conftest``, and a second conftest module would shadow it.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

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
def serve_store() -> Iterator[Callable[..., Served]]:
    """Serve the chat for a store in this process (with a warm model); closed at the end."""
    from qa.assistant import Assistant
    from qa.config import Settings
    from ui.app import build_app, launch, warm_up

    demos: list[Any] = []

    def start(store: Path, auth: list[tuple[str, str]] | None = None) -> Served:
        settings = Settings.load(env={}, store=store)
        assistant = Assistant(settings)
        demo = build_app(settings, assistant)
        warm_up(assistant)
        url = launch(demo, "127.0.0.1", free_port(), block=False, auth=auth)
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
    wait_for_answer(page, answers_before + 1)
    expect(page.locator("#aqa-sources .aqa-card").first).to_be_visible()


def wait_for_answer(page: Any, answers: int) -> None:
    """Until the chat holds ``answers`` finished answers (a streamed one has no status line)."""
    from playwright.sync_api import expect

    finished = page.locator('#aqa-chat [data-testid="bot"] .aqa-status')
    expect(finished).to_have_count(answers, timeout=ANSWER_TIMEOUT_MS)


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

    from index.store import open_store

    sample = sample_questions["s01"]
    evidence = sample["evidence"][0]
    record = open_store(sample_store_master).get(evidence["article_id"])
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
    expect(card.locator(".aqa-passage mark", has_text=evidence["quote"])).to_have_count(1)
    expect(card.locator(".aqa-phrase", has_text=sample["answer"]).first).to_have_text(
        sample["answer"]
    )
    expect(answer.locator(".aqa-status")).to_have_text("Quoted from the articles")
    link = card.locator("a[href^='https://']")
    expect(link).to_have_attribute("href", record.article.url)
    expect(link).to_have_attribute("rel", "noopener noreferrer")

    shot = artifacts_dir / "ui-answer.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")

    # The [1] marker leads to source card 1, in the same tab.
    answer.get_by_role("link", name="[1]").first.click()  # (the bold short answer's)
    expect(page).to_have_url(re.compile(r"#source-1$"))
    expect(page.locator("#source-1")).to_be_in_viewport()

    # "Open article" shows the whole cleaned article, scrolled to the cited sentence.
    card.get_by_text("Open article").click()
    body = card.locator(".aqa-article-body")
    expect(body).to_be_visible()
    expect(body).to_contain_text(record.article.body[:60])
    mark = body.locator("mark", has_text=evidence["quote"])
    expect(mark).to_be_in_viewport()
    assert body.evaluate("b => b.scrollHeight > b.clientHeight"), "article fits: nothing to scroll"

    assert browser_page.dialogs == []
    assert only_local_requests(browser_page, served_samples.url) == []


@pytest.mark.browser
def test_a_timeline_question_shows_the_timeline_and_each_entry_scrolls_to_its_sentence(
    served_samples: Served, browser_page: Watched, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    open_app(page, served_samples.url)
    ask(page, "How did the rail strike unfold?")

    timeline = page.locator("#aqa-sources .aqa-timeline")
    expect(timeline).to_be_visible()
    entries = timeline.locator(".aqa-tl-entry")
    count = entries.count()
    assert count >= 4, timeline.inner_text()
    days = [entries.nth(i).locator("time").get_attribute("datetime") for i in range(count)]
    assert days == sorted(days), days  # oldest first
    # the chat shows the same entries, one line each, with their days
    answer = last_answer(page)
    expect(answer.locator("li")).to_have_count(count)
    expect(answer).to_contain_text(entries.first.locator("time").inner_text())
    page.screenshot(path=str(artifacts_dir / "ui-timeline.png"), full_page=True)

    # an entry's number scrolls the sources to its sentence, marked in its card
    for i in (count - 1, 0):
        entry = entries.nth(i)
        n = entry.get_attribute("data-n")
        entry.get_by_role("link", name=f"[{n}]").click()
        mark = page.locator(f"#aqa-sources mark#quote-{n}")
        expect(mark).to_be_in_viewport()
        expect(mark).to_contain_text(entry.locator(".aqa-tl-quote").inner_text()[:40])
    assert browser_page.dialogs == []
    assert only_local_requests(browser_page, served_samples.url) == []


@pytest.mark.browser
def test_a_question_the_articles_do_not_answer_gets_not_found(
    served_samples: Served, browser_page: Watched
) -> None:
    """Asked in the chat (no reference date, the default), a question about something the
    sample articles never cover is answered "not found", with no quote and no marker."""
    from playwright.sync_api import expect

    from qa.types import NOT_FOUND

    page = browser_page.page
    open_app(page, served_samples.url)
    page.locator("#aqa-question textarea").fill("What is the population of Tehran?")
    page.get_by_role("button", name="Ask", exact=True).click()
    wait_for_answer(page, 1)
    answer = last_answer(page)
    expect(answer).to_contain_text(NOT_FOUND)
    expect(answer.locator(".aqa-marker")).to_have_count(0)
    expect(answer.locator("strong")).to_have_count(0)


@pytest.mark.browser
def test_example_card_asks_its_question_then_retry_copy_and_clear(
    served_samples: Served, chromium: Any
) -> None:
    from playwright.sync_api import expect

    from ui.app import SAMPLE_EXAMPLES

    question, article_id = SAMPLE_EXAMPLES[1]
    context = chromium.new_context(
        viewport={"width": 1360, "height": 1000}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    open_app(page, served_samples.url)
    page.get_by_text(question, exact=True).click()
    wait_for_answer(page, 1)
    expect(last_answer(page)).to_contain_text("[1]")
    card = page.locator(f'.aqa-card[data-article-id="{article_id}"]')
    expect(card).to_have_count(1)
    title = card.locator(".aqa-title").inner_text()

    # Copy: the answer in plain text with its numbered sources.
    page.get_by_role("button", name="Copy answer with sources").click()
    page.wait_for_function("navigator.clipboard.readText().then(t => t.includes('Sources:'))")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Lena Marovic"), copied
    assert f"[1] {title}" in copied and "\\" not in copied, copied

    # Retry: the same question again, in place of its first answer.
    page.get_by_role("button", name="Retry").click()
    expect(page.locator('#aqa-chat [data-testid="user"]')).to_have_count(1)
    wait_for_answer(page, 0)  # the first answer is gone...
    wait_for_answer(page, 1)  # ... and the new one is in
    expect(card).to_have_count(1)

    # The chat's bin empties the chat and the sources panel; the next turn starts afresh.
    page.locator("#aqa-chat").get_by_role("button", name="Clear").click()
    expect(page.locator("#aqa-sources .aqa-empty")).to_be_visible()
    expect(page.locator('#aqa-chat [data-testid="user"]')).to_have_count(0)
    ask(page, "When did the rail strike end?")
    expect(page.locator('#aqa-chat [data-testid="user"]')).to_have_count(1)
    expect(page.locator(".aqa-card[data-article-id='rail-strike-settlement']")).to_have_count(1)
    # ... and so does the Clear conversation button.
    page.get_by_role("button", name="Clear conversation").click()
    expect(page.locator('#aqa-chat [data-testid="user"]')).to_have_count(0)
    expect(page.locator("#aqa-sources .aqa-empty")).to_be_visible()
    context.close()


@pytest.mark.browser
def test_follow_up_shows_the_question_that_was_searched(
    served_samples: Served, browser_page: Watched, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    open_app(page, served_samples.url)
    ask(page, "Who won the presidential runoff in Estravia?")
    expect(last_answer(page).locator(".aqa-searched")).to_have_count(0)  # nothing rewritten
    ask(page, "When was she sworn in?", answers_before=1)
    note = last_answer(page).locator("details.aqa-searched")
    expect(note).to_have_count(1)
    expect(note.locator(".aqa-searched-text")).to_be_hidden()  # folded until opened
    note.locator("summary").click()
    expect(note.locator(".aqa-searched-text")).to_have_text("When was Lena Marovic sworn in?")
    card = page.locator("#source-1")
    expect(card).to_have_attribute("data-article-id", "election-inauguration")
    # Only the last answer's markers link to the sources panel.
    first = page.locator('#aqa-chat [data-testid="bot"]').first
    expect(first.locator("a.aqa-marker")).to_have_count(0)

    card.get_by_text("Open article").click()
    body = card.locator(".aqa-article-body")
    expect(body.locator("mark").first).to_be_in_viewport()
    shot = artifacts_dir / "ui-sources.png"
    page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")


@pytest.mark.browser
def test_outlet_filter_is_a_chip_and_limits_the_sources(
    served_samples: Served, browser_page: Watched, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    open_app(page, served_samples.url)
    question = "How many rail workers walked out?"
    ask(page, question)
    expect(page.locator(".aqa-card[data-article-id='rail-strike-begins']")).to_have_count(1)

    page.get_by_role("button", name="Filters").click()
    page.locator("#aqa-outlets input").click()
    page.get_by_role("option", name="The Valley Courier").click()
    page.locator("#aqa-since input, #aqa-since textarea").fill("2026-01-01")
    chips = page.locator("#aqa-chips .aqa-chip")
    expect(chips).to_have_text(["Outlet: The Valley Courier", "From 2026-01-01"])
    ask(page, question, answers_before=1)
    cards = page.locator("#aqa-sources .aqa-card")
    expect(cards.first).to_have_attribute("data-article-id", "rail-strike-begins-courier")
    for meta in cards.locator(".aqa-meta").all_inner_texts():
        assert meta.startswith("The Valley Courier"), meta
    status = last_answer(page).locator(".aqa-status")
    expect(status).to_contain_text("Outlet: The Valley Courier · From 2026-01-01")
    shot = artifacts_dir / "ui-filters.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")


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
        "Organisers plan a second night of lanterns next year, with a larger stage. "
        "Stalls wrote prices as ${alert(3)} and {{7*7}} on their boards."
    ),
}


@pytest.fixture
def served_hostile(serve_store: Callable[[Path], Served], tmp_path: Path) -> Served:
    """The app on a store holding one article full of markup."""
    from index.ingest import Ingestor
    from index.store import open_store

    source = tmp_path / "hostile.json"
    source.write_text(json.dumps(HOSTILE_ARTICLE), encoding="utf-8")
    store = open_store(tmp_path / "hostile-store")
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
    sources.get_by_text("Open article").click()
    body = sources.locator(".aqa-article-body")
    expect(body).to_contain_text("see [click](javascript:alert(2)) or www.evil.example")
    expect(body).to_contain_text("Stalls wrote prices as ${alert(3)} and {{7*7}} on their boards.")
    for area in (answer, sources):
        expect(area.locator("img, script, b")).to_have_count(0)
        expect(area.locator("a[href^='javascript'], a[href*='evil']")).to_have_count(0)
    assert browser_page.dialogs == []


@pytest.mark.browser
def test_example_questions_come_from_the_titles_shown_as_text(
    served_hostile: Served, browser_page: Watched
) -> None:
    """Not the sample collection: the empty chat offers a question about its newest title."""
    from playwright.sync_api import expect

    page = browser_page.page
    open_app(page, served_hostile.url)
    chat = page.locator("#aqa-chat")
    title = HOSTILE_ARTICLE["title"]
    expect(chat.get_by_text(f"What happened: {title}?", exact=True)).to_be_visible()
    expect(chat.locator("img, script, a[href^='javascript']")).to_have_count(0)
    assert browser_page.dialogs == []


@pytest.mark.slow
def test_chat_and_ask_endpoints_answer_through_gradio_client(
    served_samples: Served, sample_questions: dict[str, dict[str, Any]]
) -> None:
    from gradio_client import Client

    sample = sample_questions["s01"]
    client = Client(served_samples.url, verbose=False)

    history, sources, textbox, copied = client.predict(sample["question"], api_name="/chat")
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert "[1]" in history[-1]["content"][0]["text"]
    assert 'id="source-1"' in sources
    assert textbox == ""
    assert "The revised estimate puts the total cost" in copied and "Sources:" in copied

    # The answer streams: the sentences come one by one before the final message.
    job = client.submit("When did the rail strike end?", api_name="/chat")
    job.result()
    updates = [out[0][-1]["content"][0]["text"] for out in job.outputs()]
    assert len(updates) >= 2, updates
    assert updates[0].endswith("▍") and not updates[-1].endswith("▍"), updates

    result = client.predict(sample["question"], api_name="/ask")
    assert not result["abstained"]
    assert result["citations"][0]["n"] == 1
    cited = {c["article_id"] for c in result["citations"]}
    assert sample["evidence"][0]["article_id"] in cited

    # /ask takes a conversation, filters and k too.
    first = client.predict("Who won the presidential runoff in Estravia?", api_name="/ask")
    follow = client.predict(
        "When was she sworn in?",
        [[first["question"], first["answer"]]],
        ["Meridian Daily"],
        "2026-11-01",
        "",
        2,
        api_name="/ask",
    )
    assert follow["searched"] == "When was Lena Marovic sworn in?"
    assert {c["source"] for c in follow["citations"]} == {"Meridian Daily"}
    assert len(follow["passages"]) <= 2

    # ... and timeline=True: the rail strike in time order, each entry a citation
    story = client.predict("Valley rail strike", [], [], "", "", 0, True, api_name="/ask")
    days = [e["date"] for e in story["timeline"]]
    assert len(days) >= 3 and days == sorted(days), story["timeline"]
    assert {e["n"] for e in story["timeline"]} == {c["n"] for c in story["citations"]}

    # Each client is its own session: its history holds only its own turns.
    other = Client(served_samples.url, verbose=False)
    other_history, *_ = other.predict("When did the rail strike end?", api_name="/chat")
    assert len(other_history) == 2
    history, *_ = client.predict("Who won the runoff in Estravia?", api_name="/chat")
    assert len(history) == 6


@pytest.mark.slow
def test_errors_reach_the_user_as_their_message(
    serve_store: Callable[[Path], Served], tmp_path: Path
) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(serve_store(tmp_path / "empty-store").url, verbose=False)
    history, sources, textbox, _ = client.predict("Who won the runoff?", api_name="/chat")
    reply = history[-1]["content"][0]["text"]
    assert "No articles indexed yet" in reply
    assert "Traceback" not in reply
    assert "No articles indexed yet" in sources
    assert textbox == "Who won the runoff?"  # kept, to ask again once articles are in
    with pytest.raises(AppError, match="No articles indexed yet"):
        client.predict("Who won the runoff?", api_name="/ask")


@pytest.mark.browser
def test_two_sessions_asking_at_once_each_get_their_own_answer(
    served_samples: Served, chromium: Any
) -> None:
    from playwright.sync_api import expect

    asked = {
        "How much is the Gull Point desalination plant expected to cost in total?": (
            "desal-plant-cost-overrun"
        ),
        "When did the rail strike end?": "rail-strike-settlement",
    }
    contexts = [chromium.new_context(viewport={"width": 1360, "height": 1000}) for _ in asked]
    pages = [context.new_page() for context in contexts]
    for page, question in zip(pages, asked, strict=True):
        open_app(page, served_samples.url)
        page.locator("#aqa-question textarea").fill(question)
    for page in pages:  # both questions are in flight together
        page.get_by_role("button", name="Ask", exact=True).click()
    for page, (question, article_id) in zip(pages, asked.items(), strict=True):
        wait_for_answer(page, 1)
        users = page.locator('#aqa-chat [data-testid="user"]')
        expect(users).to_have_count(1)
        expect(users).to_have_text(question)
        expect(page.locator(f".aqa-card[data-article-id='{article_id}']")).to_have_count(1)
        other = next(a for a in asked.values() if a != article_id)
        expect(page.locator(f".aqa-card[data-article-id='{other}']")).to_have_count(0)
    for context in contexts:
        context.close()


def set_k(page: Any, k: int) -> None:
    """Move the k slider. Once more if the first move came while the slider was still being
    set up (the panel renders its contents when first opened)."""
    from playwright.sync_api import expect

    note = page.locator("#aqa-settings-note")
    for attempt in range(3):
        page.locator("#aqa-k input[type=range]").fill(str(k))
        try:
            expect(note).to_contain_text(f"{k} passages", timeout=5_000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def open_settings(page: Any) -> Any:
    page.get_by_role("button", name="Settings").click()
    return page.locator("#aqa-settings")


@pytest.mark.browser
def test_settings_change_k_for_this_session_only(
    served_samples: Served, chromium: Any, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect

    mine = chromium.new_context(viewport={"width": 1360, "height": 1000}).new_page()
    open_app(mine, served_samples.url)
    open_settings(mine)
    set_k(mine, 2)
    ask(mine, "When did the rail strike end?")
    expect(mine.locator("#aqa-sources .aqa-read")).to_have_attribute("data-passages", "2")
    expect(mine.locator("#aqa-sources .aqa-read")).to_contain_text("Searched 2 passages")
    shot = artifacts_dir / "ui-settings.png"
    mine.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")

    # Opening the article shows its first cited sentence inside the scrolled box.
    card = mine.locator("#source-1")
    expect(card).to_have_attribute("data-article-id", "rail-strike-settlement")
    card.get_by_text("Open article").click()
    body = card.locator(".aqa-article-body")
    expect(body.locator("mark").first).to_be_in_viewport()
    shown = body.evaluate(
        "b => { const m = b.querySelector('mark'); const top = m.offsetTop - b.offsetTop;"
        " return top >= b.scrollTop && top < b.scrollTop + b.clientHeight; }"
    )
    assert shown, "the article box is not scrolled to the cited sentence"

    # Another session keeps the defaults.
    theirs = chromium.new_context(viewport={"width": 1360, "height": 1000}).new_page()
    open_app(theirs, served_samples.url)
    ask(theirs, "When did the rail strike end?")
    expect(theirs.locator("#aqa-sources .aqa-read")).to_have_attribute("data-passages", "5")
    mine.context.close()
    theirs.context.close()


@pytest.mark.browser
def test_failing_model_server_shows_a_notice_and_the_key_is_never_shown(
    served_samples: Served, browser_page: Watched
) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    secret = "sk-test-0123456789-never-show-me"
    open_app(page, served_samples.url)
    settings = open_settings(page)
    settings.get_by_label("openai").check()
    page.locator("#aqa-base-url textarea, #aqa-base-url input").fill(
        f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    )
    page.locator("#aqa-model textarea, #aqa-model input").fill("any-model")
    key = page.locator("#aqa-api-key input, #aqa-api-key textarea")
    expect(key).to_have_attribute("type", "password")
    key.fill(secret)
    key.press("Enter")
    expect(page.locator("#aqa-settings-note")).to_contain_text("API key is set")
    expect(key).to_have_value("")  # write-only: the field empties and is never refilled
    expect(page.locator("#aqa-settings-note")).to_contain_text("Answers: openai (http")
    expect(page.locator("#aqa-settings-note")).to_contain_text("any-model)")

    ask(page, "When did the rail strike end?")
    answer = last_answer(page)
    expect(answer.locator(".aqa-notice")).to_contain_text("extractive answer instead")
    expect(answer).to_contain_text("[1]")
    expect(answer.locator(".aqa-status.aqa-mode-extractive-fallback")).to_be_visible()
    assert secret not in page.content()
    assert not any(secret in url for url in browser_page.requests)


@pytest.mark.browser
def test_stop_ends_an_answer_that_hangs(served_samples: Served, browser_page: Watched) -> None:
    from playwright.sync_api import expect

    # A "model server" that accepts connections and never replies.
    with socket.socket() as hanging:
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(8)
        page = browser_page.page
        open_app(page, served_samples.url)
        settings = open_settings(page)
        settings.get_by_label("openai").check()
        url = f"http://127.0.0.1:{hanging.getsockname()[1]}/v1"
        page.locator("#aqa-base-url textarea, #aqa-base-url input").fill(url)
        page.locator("#aqa-model textarea, #aqa-model input").fill("slow-model")
        expect(page.locator("#aqa-settings-note")).to_contain_text("slow-model)")
        page.locator("#aqa-question textarea").fill("When did the rail strike end?")
        page.get_by_role("button", name="Ask", exact=True).click()
        expect(page.locator('#aqa-chat [data-testid="user"]')).to_have_count(1)
        page.wait_for_timeout(1500)
        page.get_by_role("button", name="Stop").click()
        expect(last_answer(page)).to_have_text("Stopped.", timeout=10_000)
        expect(page.locator("#aqa-sources .aqa-empty")).to_be_visible()


@pytest.mark.slow
def test_a_login_is_required_when_given(
    serve_store: Callable[..., Served], sample_store_master: Path
) -> None:
    import httpx
    from gradio_client import Client

    served = serve_store(sample_store_master, auth=[("desk", "correct-horse")])
    assert httpx.get(served.url + "config").status_code == 401
    with pytest.raises(Exception, match=r"(?i)login|auth|401"):
        Client(served.url, verbose=False, auth=("desk", "wrong"))
    client = Client(served.url, verbose=False, auth=("desk", "correct-horse"))
    result = client.predict("When did the rail strike end?", api_name="/ask")
    assert result["citations"][0]["article_id"] == "rail-strike-settlement"


class FakeModelServer(BaseHTTPRequestHandler):
    """An OpenAI-compatible ``/v1/chat/completions`` that streams, slowly, the first sentence
    of passage [1] (supported) and an invented one (which the check removes)."""

    keys: ClassVar[list[str]] = []

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).keys.append(self.headers.get("Authorization", ""))
        prompt = body["messages"][-1]["content"]
        passage = re.search(r"\[1\] [^\n]*\n(.*?)(?:\n\n\[2\] |\n</passages>)", prompt, re.S)
        assert passage is not None, prompt
        first = re.split(r"(?<=[.!?])\s+", passage.group(1).strip())[0]
        text = f"{first} [1] The plant also runs a hotel on the moon. [1]"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for piece in re.findall(r"\S+\s*", text):
                self._event({"content": piece}, None)
                time.sleep(0.08)
            self._event({}, "stop")
            self.wfile.write(b"data: [DONE]\n\n")

    def _event(self, delta: dict[str, str], finish: str | None) -> None:
        chunk = {
            "id": "c1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "test-writer",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.flush()


@pytest.fixture
def model_server() -> Iterator[str]:
    FakeModelServer.keys = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeModelServer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.browser
def test_a_model_answer_streams_then_shows_its_check(
    served_samples: Served,
    browser_page: Watched,
    model_server: str,
    sample_questions: dict[str, dict[str, Any]],
    artifacts_dir: Path,
) -> None:
    from playwright.sync_api import expect

    page = browser_page.page
    open_app(page, served_samples.url)
    settings = open_settings(page)
    settings.get_by_label("openai").check()
    page.locator("#aqa-base-url textarea, #aqa-base-url input").fill(model_server)
    page.locator("#aqa-model textarea, #aqa-model input").fill("test-writer")
    key = page.locator("#aqa-api-key input, #aqa-api-key textarea")
    key.fill("sk-browser-session-key")
    key.press("Enter")
    expect(page.locator("#aqa-settings-note")).to_contain_text("API key is set")
    expect(page.locator("#aqa-settings-note")).to_contain_text("test-writer)")

    page.locator("#aqa-question textarea").fill(sample_questions["s01"]["question"])
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(last_answer(page)).to_contain_text("▍", timeout=ANSWER_TIMEOUT_MS)  # streaming
    wait_for_answer(page, 1)
    answer = last_answer(page)
    expect(answer).not_to_contain_text("moon")  # removed by the check...
    expect(answer.locator(".aqa-status.aqa-mode-generative")).to_contain_text(
        "Written by a language model, checked against the sources · "
        "1 of 2 sentences supported, 1 removed"
    )
    flagged = page.locator("#aqa-sources .aqa-flagged")  # ... and listed with the sources
    expect(flagged.locator("s")).to_have_text("The plant also runs a hotel on the moon.")
    expect(flagged).to_contain_text("unsupported")
    assert FakeModelServer.keys == ["Bearer sk-browser-session-key"]
    page.get_by_role("button", name="Settings").click()  # folded again for the picture
    page.evaluate("window.scrollTo(0, 0)")
    shot = artifacts_dir / "ui-generative.png"
    page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")


@pytest.mark.browser
def test_articles_added_meanwhile_count_on_return_to_the_chat(
    served_hostile: Served, browser_page: Watched, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from index.ingest import Ingestor
    from index.store import open_store

    page = browser_page.page
    open_app(page, served_hostile.url)
    expect(page.locator("#aqa-header")).to_contain_text("1 article indexed")
    late = {
        "id": "late-news",
        "title": "Ferry timetable changes for winter",
        "source": "Late Wire",
        "published_at": "2026-11-20",
        "body": "The harbour ferry will run every forty minutes from December. Fares stay.",
    }
    source = tmp_path / "late.json"
    source.write_text(json.dumps(late), encoding="utf-8")
    store = open_store(served_hostile.assistant.store.path)
    Ingestor(store).ingest_paths([source], progress=False)
    store.close()

    page.get_by_role("tab", name="Library").click()
    page.get_by_role("tab", name="Chat").click()
    expect(page.locator("#aqa-header")).to_contain_text("2 articles indexed")
    page.get_by_role("button", name="Filters").click()
    page.locator("#aqa-outlets input").click()
    expect(page.get_by_role("option", name="Late Wire")).to_be_visible()


FERRY = {
    "id": "zorblax-ferry",
    "title": "Zorblax ferry returns to the lake after a winter refit",
    "source": "Lakeside Courier",
    "published_at": "2026-04-02",
    "body": (
        "The Zorblax ferry returned to Lake Mirren on Thursday after a four-month refit that "
        "cost the county $1.2 million. The ferry will run every hour from 7 a.m. until "
        "sunset, the operator said, and carries up to 40 cars."
    ),
}
FERRY_QUESTION = "How much did the Zorblax ferry refit cost the county?"


@pytest.mark.browser
def test_an_uploaded_article_is_answered_from_then_gone_once_deleted(
    serve_store: Callable[[Path], Served],
    sample_store: Path,
    browser_page: Watched,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    served = serve_store(sample_store)
    page = browser_page.page
    open_app(page, served.url)

    # upload in the Library tab, through index/ like `article-qa ingest`
    upload = tmp_path / "zorblax.json"
    upload.write_text(json.dumps(FERRY), encoding="utf-8")
    page.get_by_role("tab", name="Library").click()
    page.locator("#aqa-lib-upload input[type=file]").set_input_files(str(upload))
    results = page.locator("#aqa-lib-results")
    expect(results.locator('li[data-name="zorblax.json"]')).to_contain_text(
        "1 added", timeout=120_000
    )
    expect(page.locator("#aqa-header")).to_contain_text("17 articles indexed")  # at once

    # the chat answers from it, citing it
    page.get_by_role("tab", name="Chat").click()
    ask(page, FERRY_QUESTION)
    expect(last_answer(page)).to_contain_text("$1.2 million")
    cited = page.locator('#aqa-sources .aqa-card[data-article-id="zorblax-ferry"]')
    expect(cited).to_have_count(1)

    # deleted in the Library, it is gone from the next answer
    page.get_by_role("tab", name="Library").click()
    page.locator("#aqa-lib-search textarea, #aqa-lib-search input").first.fill("zorblax")
    table_rows = page.locator("#aqa-lib-table .virtual-body [role=row]")
    expect(table_rows).to_have_count(1)
    table_rows.first.locator("[role=gridcell]").first.click()
    expect(page.locator("#aqa-lib-selected")).to_contain_text("zorblax-ferry")
    page.locator("#aqa-lib-delete").click()
    expect(page.locator("#aqa-lib-delete")).to_have_text("Confirm delete")
    page.locator("#aqa-lib-delete").click()
    expect(results.locator("li").first).to_contain_text("deleted (id zorblax-ferry)")
    expect(page.locator("#aqa-header")).to_contain_text("16 articles indexed")
    page.get_by_role("tab", name="Chat").click()
    ask_again = page.locator("#aqa-question textarea")
    ask_again.fill(FERRY_QUESTION)
    page.get_by_role("button", name="Ask", exact=True).click()
    wait_for_answer(page, 2)
    expect(last_answer(page)).not_to_contain_text("$1.2 million")
    expect(page.locator('#aqa-sources [data-article-id="zorblax-ferry"]')).to_have_count(0)
