"""report.html (eval/html.py): sections, inline plots, escaping, failures and their filter.

The page is rendered from real ``report.json`` dicts: the sample collection's evaluation (the
session's ``sample_eval``), extended with question records in the full per-question shape
(passages, checks, scores; ``question_records``) where a test needs failures of every kind.
How each failure is found and diagnosed is tested in test_analysis.py.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from question_records import failing_questions, passage, question

from eval.analysis import find_failures
from eval.html import render_html, write_html

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # git-ignored
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class Page(HTMLParser):
    """What the tests look at in a page: elements, attributes, text, scripts, failures."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.failures: list[dict[str, str]] = []
        self._in_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
        if tag == "details" and "failure" in values.get("class", "").split():
            self.failures.append(values)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def with_questions(report: dict[str, Any], extra: list[dict[str, Any]]) -> dict[str, Any]:
    """``report`` with ``extra`` questions added, and the fields the new schema adds."""
    out = copy.deepcopy(report)
    out["questions"] = [*out.get("questions", []), *extra]
    out["intervals"] = {"hit@1": [0.5, 0.9], "answer_contains_gold": [0.4, 0.8]}
    out["warnings"] = ["7 questions have no question_date: they were asked as of today"]
    out.setdefault("breakdown", {})["tag"] = {
        "weather": {"n": 4, "hit@5": 0.75, "answer_contains_gold": 0.5},
        "transport": {"n": 1, "hit@5": 1.0, "answer_contains_gold": 0.0},
    }
    out["worst_segments"] = [
        {
            "kind": "tag",
            "label": "transport",
            "metric": "answer_contains_gold",
            "value": 0.0,
            "n": 1,
        }
    ]
    return out


@pytest.fixture(scope="module")
def sample_report(sample_eval: Any) -> dict[str, Any]:
    """The sample evaluation's ``report.json`` dict, as written to disk."""
    return json.loads((sample_eval.out / "report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def extended_report(sample_report: dict[str, Any]) -> dict[str, Any]:
    return with_questions(sample_report, failing_questions())


def external_references(page: Page) -> list[str]:
    """Every src/href (and <link>) that would load something from outside the page."""
    out = []
    for tag, attrs in page.tags:
        if tag == "link":
            out.append(str(attrs))
        for key in ("src", "href", "data", "srcset", "action"):
            value = attrs.get(key, "")
            if value and not value.startswith(("data:", "#")):
                out.append(f"{tag} {key}={value}")
    return out


def expected_failures(report: dict[str, Any]) -> set[str]:
    """The ids of the failed questions, worked out here from the records' own fields."""
    out = set()
    for q in report["questions"]:
        answerable = q["answerable"]
        if (
            q.get("error")
            or (answerable and q["abstained"])
            or (not answerable and not q["abstained"])
            or (answerable and not q["abstained"] and q["contains_gold"] is False)
            or (answerable and q["evidence_ids"] and q["rank"] is None)
            or q.get("citations_valid") is False
        ):
            out.add(q["id"])
    return out


# --- the page of a real evaluation ----------------------------------------------------------


def test_page_of_the_sample_evaluation(sample_report: dict[str, Any]) -> None:
    text = render_html(sample_report)
    page = Page(text)
    assert text.startswith("<!DOCTYPE html>")
    assert {"header", "summary", "metrics", "latency", "segments", "failures"} <= page.ids
    # The header: what was run, when, with which versions.
    assert sample_report["config"]["gold"] in page.all_text
    assert sample_report["config"]["date"] in page.all_text
    assert (
        f"sentence-transformers {sample_report['config']['versions']['sentence-transformers']}"
        in page.all_text
    )
    # Every metric is in the table.
    for name in ("hit@1", "hit@5", "mrr@10", "answer_contains_gold", "abstention_accuracy"):
        assert name in page.all_text
    # Plots: inline PNGs that decode, nothing loaded from outside.
    images = [attrs["src"] for tag, attrs in page.tags if tag == "img"]
    assert len(images) >= 3  # metrics, latency, at least one segment chart
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert external_references(page) == []
    assert "http://" not in text and "https://" not in text
    # Failures: exactly the questions that failed, by their own fields.
    assert {f["data-question"] for f in page.failures} == expected_failures(sample_report)


def test_write_html(sample_report: dict[str, Any], tmp_path: Path) -> None:
    path = write_html(sample_report, tmp_path / "out" / "report.html")
    assert path == tmp_path / "out" / "report.html"
    assert path.read_text(encoding="utf-8") == render_html(sample_report)
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]


def test_extended_report_sections(extended_report: dict[str, Any]) -> None:
    page = Page(render_html(extended_report))
    assert {"warnings", "worst-segments"} <= page.ids
    assert "7 questions have no question_date" in page.all_text
    assert "95% interval" in page.all_text and "0.500 – 0.900" in page.all_text
    # The tag breakdown gets its chart and its table.
    assert "By tag" in page.all_text
    shown = [f["data-question"] for f in page.failures]
    assert set(shown) == expected_failures(extended_report)
    assert shown[0] == "t-error"  # worst first
    # Each failure carries its kinds and its segments for the filter.
    by_id = {f["data-question"]: f for f in page.failures}
    assert by_id["t-abstained"]["data-kinds"] == "false-abstention"
    assert set(by_id["t-not-retrieved"]["data-kinds"].split()) == {"wrong-answer", "retrieval-miss"}
    assert json.loads(by_id["t-figure"]["data-segments"]) == [
        "source=USAtoday",
        "year=2022",
        "tag=weather",
        "tag=figures",
    ]
    # The check verdicts and the passages with the gold evidence marked.
    assert "the name Officials is not in [3]" in page.all_text
    assert "gold evidence" in page.all_text
    marks = [t for t, _ in page.tags if t == "mark"]
    assert marks  # the gold answer highlighted in a passage


# --- robustness -----------------------------------------------------------------------------


HOSTILE = "<script>alert('x')</script>"


def test_data_is_escaped(extended_report: dict[str, Any]) -> None:
    report = copy.deepcopy(extended_report)
    report["config"]["gold"] = f"/tmp/{HOSTILE}.jsonl"
    report["warnings"].append(HOSTILE)
    report["breakdown"]["source"] = {
        HOSTILE: {"n": 3, "hit@5": 0.5, "answer_contains_gold": 0.2},
        "$5 & 'quoted' \"outlet\"": {"n": 3, "hit@5": 0.5, "answer_contains_gold": 0.2},
    }
    report["worst_segments"].append({"kind": "source", "label": HOSTILE, "value": 0.2})
    report["questions"].append(
        question(
            id="t-hostile' onmouseover='alert(1)",
            question=f"What does {HOSTILE} do?",
            gold_answer="<img src=x onerror=alert(2)>",
            answer="</details></main><script>alert(3)</script><iframe src='http://e.vil'>",
            contains_gold=False,
            source=f'"><svg onload=alert(4)>{HOSTILE}',
            tags=[f"'><b>{HOSTILE}"],
            passages=[
                passage("heat-record", "<script>alert(5)</script>", True)
                | {"text": "<img src=x onerror=alert(2)> is in here"}
            ],
            checks=[
                {
                    "text": HOSTILE,
                    "cited": [1],
                    "verdict": "unsupported",
                    "reason": "<svg onload=alert(6)>",
                }
            ],
            citations_valid=False,
        )
    )
    text = render_html(report)
    page = Page(text)
    assert len(page.scripts) == 1 and "alert" not in page.scripts[0]
    assert not {t for t, _ in page.tags} & {"iframe", "svg"}
    assert [a for _, attrs in page.tags for a in attrs if a.startswith("on")] == []
    assert external_references(page) == []
    # The data is there, as text.
    assert f"What does {HOSTILE} do?" in page.all_text
    assert "<img src=x onerror=alert(2)>" in page.all_text
    assert "</details></main><script>alert(3)</script>" in page.all_text
    hostile = next(f for f in page.failures if f["data-question"].startswith("t-hostile"))
    assert hostile["data-question"] == "t-hostile' onmouseover='alert(1)"
    assert f'source="><svg onload=alert(4)>{HOSTILE}' in json.loads(hostile["data-segments"])


def test_report_without_the_new_fields(sample_report: dict[str, Any]) -> None:
    """A report.json from before passages, checks and intervals (like bench-out's) renders,
    and says what it cannot show."""
    old = copy.deepcopy(sample_report)
    for key in ("intervals", "warnings", "worst_segments"):
        old.pop(key, None)
    for q in old["questions"]:
        for key in ("passages", "checks", "answers", "tags", "f1", "exact_match"):
            q.pop(key, None)
    old["questions"].append(
        {
            "id": "old-miss",
            "question": "Q?",
            "gold_answer": "Charterhall",
            "answerable": True,
            "evidence_ids": ["e1"],
            "answer": "Heathrow. [1]",
            "abstained": False,
            "cited_ids": ["a1"],
            "retrieved_ids": ["a1", "a2"],
            "rank": None,
            "contains_gold": False,
            "latency_ms": 12.0,
            "timings": {"total_ms": 12.0},
        }
    )
    page = Page(render_html(old))
    assert "holds no retrieved passages" in page.all_text
    assert "Gold evidence not in the top 10" in page.all_text
    assert {f["data-question"] for f in page.failures} == expected_failures(old)


@pytest.mark.parametrize(
    "report",
    [
        {},
        {"questions": []},
        {"config": None, "metrics": {"n_questions": 0}, "questions": None},
        {"questions": [{"id": "bare"}]},
    ],
)
def test_sparse_reports_render(report: dict[str, Any]) -> None:
    page = Page(render_html(report))
    assert "failures" in page.ids
    assert "No question failed" in page.all_text


# --- in a browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make browser` (or `apt-get install -y chromium`).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.mark.browser
def test_filter_in_the_browser(
    chromium: Any, extended_report: dict[str, Any], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    path = write_html(extended_report, tmp_path / "report.html")
    total = len(expected_failures(extended_report))
    context = chromium.new_context(viewport={"width": 1280, "height": 1400})
    page = context.new_page()
    requests: list[str] = []
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")

    cards = page.locator("details.failure")
    visible = page.locator("details.failure:visible")
    count = page.locator("#filter-count")
    expect(visible).to_have_count(total)
    expect(count).to_have_text(f"{total} of {total} failures shown")

    page.locator("#filter-text").fill("charterhall")  # the gold answer of one question
    expect(visible).to_have_count(1)
    expect(visible.first).to_have_attribute("data-question", "t-not-retrieved")
    expect(count).to_have_text(f"1 of {total} failures shown")
    page.locator("#filter-text").fill("")
    expect(visible).to_have_count(total)

    page.locator("#filter-kind").select_option("wrong-answer")
    wrong = [f for f in find_failures(extended_report) if "wrong-answer" in f.kinds]
    expect(visible).to_have_count(len(wrong))
    page.locator("#filter-segment").select_option("source=CNN")
    both = [f for f in wrong if ("source", "CNN") in f.segments]
    expect(visible).to_have_count(len(both))
    page.locator("#filter-kind").select_option("")
    expect(visible).to_have_count(
        sum(("source", "CNN") in f.segments for f in find_failures(extended_report))
    )

    # A worst segment's button lists that segment's failures.
    page.locator("#worst-segments button").first.click()
    expect(page.locator("#filter-segment")).to_have_value("tag=transport")
    expect(visible).to_have_count(1)
    expect(visible.first).to_have_attribute("data-question", "t-abstained")

    page.locator("#filter-segment").select_option("")
    assert cards.count() == total
    assert dialogs == [] and errors == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "eval-report.png"))
    context.close()
