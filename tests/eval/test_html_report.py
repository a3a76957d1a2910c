"""report.html (eval/html.py): sections, inline plots, escaping, failures and their filter.

The page is rendered from real ``report.json`` dicts: the sample collection's evaluation (the
session's ``sample_eval``), extended with question records in the full per-question shape
(passages, checks, scores) where a test needs failures of every kind.
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

from eval.html import FAILURE_KINDS, find_failures, render_html, write_html

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


def question(**changes: Any) -> dict[str, Any]:
    """A per-question record in the full ``report.json`` shape: right, cited, supported."""
    record: dict[str, Any] = {
        "id": "t-right",
        "question": "How hot did it get at Heathrow on Tuesday?",
        "question_date": "2022-07-22",
        "year": 2022,
        "gold_answer": "104.5 F",
        "answers": ["104.5 F", "40.3 C"],
        "answerable": True,
        "evidence_ids": ["heat-record"],
        "answer": "Heathrow reached 104.5 F on Tuesday, a national record. [1]",
        "abstained": False,
        "mode": "extractive",
        "rank": 1,
        "hits": {"hit@1": True, "hit@5": True, "hit@10": True},
        "reciprocal_rank": 1.0,
        "contains_gold": True,
        "exact_match": False,
        "f1": 0.4,
        "cites_evidence": True,
        "citation_recall": 1.0,
        "citation_precision": 1.0,
        "citations_valid": True,
        "cited_ids": ["heat-record"],
        "retrieved_ids": ["heat-record", "heat-europe", "rail-strike"],
        "tags": ["weather"],
        "source": "USAtoday",
        "checks": [
            {
                "text": "Heathrow reached 104.5 F on Tuesday, a national record.",
                "cited": [1],
                "verdict": "supported",
                "reason": "",
                "overlap": 1.0,
                "similarity": 0.93,
                "dropped": [],
            }
        ],
        "passages": [
            passage("heat-record", "UK breaks its temperature record", True),
            passage("heat-europe", "Europe bakes in a heat wave", False),
            passage("rail-strike", "Rail strike ends after three weeks", False),
        ],
        "timings": {"retrieve_ms": 40.0, "answer_ms": 300.0, "total_ms": 340.0},
        "latency_ms": 340.0,
        "tokens_in": 0,
        "tokens_out": 0,
        "searched": "How hot did it get at Heathrow on Tuesday?",
        "error": None,
    }
    return record | changes


def passage(article_id: str, title: str, is_evidence: bool) -> dict[str, Any]:
    texts = {
        "heat-record": "Heathrow reached 104.5 F (40.3 C) on Tuesday, the highest temperature "
        "ever recorded in the United Kingdom.",
        "heat-europe": "Temperatures across Europe hit 98.6 degrees as the heat wave spread.",
        "rail-strike": "The rail strike ended on Friday after three weeks.",
    }
    return {
        "article_id": article_id,
        "title": title,
        "source": "Coastal Wire",
        "published_at": "2022-07-20",
        "text": texts.get(article_id, f"Text of {article_id}."),
        "is_evidence": is_evidence,
        "quote_found": True if is_evidence else None,
    }


def failing_questions() -> list[dict[str, Any]]:
    """One question record for each kind of failure (and one that is right)."""
    return [
        question(),
        question(
            id="t-figure",
            answer="Temperatures across Europe hit 98.6 degrees as the heat wave spread. [1]",
            contains_gold=False,
            f1=0.0,
            cited_ids=["heat-europe"],
            cites_evidence=False,
            citation_precision=0.0,
            rank=1,
            tags=["weather", "figures"],
        ),
        question(
            id="t-abstained",
            question="When did the rail strike end?",
            gold_answer="Friday",
            answers=["Friday"],
            evidence_ids=["rail-strike"],
            answer="I couldn't find this in the indexed articles.",
            abstained=True,
            contains_gold=False,
            f1=0.0,
            rank=3,
            cited_ids=[],
            checks=[],
            source="CNN",
            tags=["transport"],
        ),
        question(
            id="t-missed",
            question="Who won the 2031 World Cup?",
            gold_answer="",
            answers=[],
            answerable=False,
            evidence_ids=[],
            rank=None,
            hits={},
            contains_gold=None,
            f1=None,
            answer="The rail strike ended on Friday after three weeks. [1]",
            cited_ids=["rail-strike"],
            source="CNN",
            tags=[],
        ),
        question(
            id="t-not-retrieved",
            question="Which airport recorded the Scottish record?",
            gold_answer="Charterhall",
            answers=["Charterhall"],
            evidence_ids=["scotland-record"],
            rank=None,
            hits={"hit@1": False, "hit@5": False, "hit@10": False},
            contains_gold=False,
            f1=0.0,
            cited_ids=["heat-record"],
            cites_evidence=False,
            question_date="2023-07-21",
            year=2023,
            passages=[
                passage("heat-record", "UK breaks its temperature record", False),
                passage("heat-europe", "Europe bakes in a heat wave", False),
            ],
        ),
        question(
            id="t-unsupported",
            answer="Heathrow reached 104.5 F on Tuesday. [1] Officials blamed the rail strike. [3]",
            checks=[
                {
                    "text": "Heathrow reached 104.5 F on Tuesday.",
                    "cited": [1],
                    "verdict": "supported",
                    "reason": "",
                },
                {
                    "text": "Officials blamed the rail strike.",
                    "cited": [3],
                    "verdict": "unsupported",
                    "reason": "the name Officials is not in [3]",
                },
            ],
            citations_valid=False,
            source="THE WEEK",
        ),
        question(id="t-error", error="the store is empty", answer="", contains_gold=False),
    ]


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


# --- failures and their diagnoses -----------------------------------------------------------


def diagnoses() -> dict[str, tuple[tuple[str, ...], str]]:
    report = {"config": {"depth": 10}, "questions": failing_questions()}
    return {f.question["id"]: (f.kinds, f.diagnosis) for f in find_failures(report)}


def test_right_answer_is_no_failure() -> None:
    assert "t-right" not in diagnoses()


@pytest.mark.parametrize(
    ("qid", "kinds", "says"),
    [
        (
            "t-figure",
            ("wrong-answer",),
            "evidence retrieved at rank 1 but the answer quotes "
            "“Europe bakes in a heat wave” (rank 2)",
        ),
        ("t-figure", ("wrong-answer",), "a different figure: 98.6 where the gold answer has 104.5"),
        ("t-abstained", ("false-abstention",), "abstained although the evidence was at rank 3"),
        ("t-missed", ("missed-abstention",), "answered although no article answers this question"),
        (
            "t-not-retrieved",
            ("wrong-answer", "retrieval-miss"),
            "evidence not retrieved in the top 10",
        ),
        (
            "t-not-retrieved",
            ("wrong-answer", "retrieval-miss"),
            "the gold answer is in no retrieved passage",
        ),
        (
            "t-unsupported",
            ("unsupported-citation",),
            "sentence 2 unsupported (the name Officials is not in [3])",
        ),
        ("t-error", ("error",), "could not be asked: the store is empty"),
    ],
)
def test_diagnosis(qid: str, kinds: tuple[str, ...], says: str) -> None:
    found_kinds, diagnosis = diagnoses()[qid]
    assert found_kinds == kinds
    assert says in diagnosis


def test_diagnosis_when_evidence_cited_but_wrong_sentences() -> None:
    q = question(
        id="t-cited",
        answer="The United Kingdom had a heat wave. [1]",
        contains_gold=False,
        passages=[passage("heat-record", "UK breaks its temperature record", True)],
    )
    [failure] = find_failures({"questions": [q]})
    assert failure.diagnosis == (
        "evidence retrieved at rank 1 and cited, but the quoted sentences lack the answer; "
        "the gold answer is in the evidence passage"
    )


def test_failures_worst_first() -> None:
    order = [f.question["id"] for f in find_failures({"questions": failing_questions()})]
    assert order == [
        "t-error",
        "t-not-retrieved",  # wrong answer and retrieval miss
        "t-figure",  # wrong answers, missed and false abstentions: by F1, then rank
        "t-abstained",
        "t-missed",
        "t-unsupported",
    ]


def test_answer_right_in_other_words_ranks_below_real_failures() -> None:
    other_words = question(
        id="t-other-words",
        gold_answer="Leaking classified Pentagon documents",
        answers=[],
        answer="He is accused of leaking classified documents from the Pentagon. [1]",
        contains_gold=False,
    )
    failures = find_failures({"questions": [other_words, *failing_questions()]})
    ids = [f.question["id"] for f in failures]
    assert ids.index("t-other-words") > ids.index("t-missed")
    failure = failures[ids.index("t-other-words")]
    assert failure.kinds == ("wrong-answer",)
    assert "it has 4 of the 4 words of the gold answer" in failure.diagnosis
    assert failure.cause == "answer may be right in other words"


def test_every_kind_has_a_label() -> None:
    kinds = {k for f in find_failures({"questions": failing_questions()}) for k in f.kinds}
    assert kinds == set(FAILURE_KINDS)


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
