"""Tests for index/clean.py and the boilerplate rules in index/boilerplate.yaml.

The corpus tests read the shared rtqa data by path at test time (it is never copied into the
repo) and are skipped with a clear reason where that data is not present.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import RTQA, SHARED

from index.clean import (
    Rule,
    clean_body,
    clean_body_report,
    clean_title,
    load_rules,
    normalize_text,
)

SEED = SHARED / "seeds" / "000_023d0e0f351af562.txt"
SEED_BOILERPLATE = [
    ("Sign up for Daily Newsletters", "newsletter-promo"),
    ("View original", "page-furniture"),
    ("Please enter your comment!", "comment-form"),
    ("Please enter your name here", "comment-form"),
]


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"shared data not found at {path}: the tests need ../shared beside the repo")
    return path


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _yaml_rules() -> list[dict[str, Any]]:
    text = (files("index") / "boilerplate.yaml").read_text(encoding="utf-8")
    rules: list[dict[str, Any]] = yaml.safe_load(text)["rules"]
    return rules


# ------------------------------------------------------------------------- normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\u00a0b", "a b"),  # no-break space
        ("a\u202fb\u2009c\u3000d", "a b c d"),  # narrow, thin, ideographic spaces
        ("zero\u200bwidth\u200c\u200d\ufeff", "zerowidth"),  # ZWSP, ZWNJ, ZWJ, BOM
        ("co\u00adoperate", "cooperate"),  # soft hyphen
        ("bell\x07 and\x00 nul\x1b", "bell and nul"),  # control characters
        ("one\r\ntwo\rthree\u2028four", "one\ntwo\nthree\nfour"),  # line endings
        ("a\n\n\n\n\nb", "a\n\nb"),  # blank-line runs -> one blank line
        ("a\n \t \n\nb", "a\n\nb"),  # whitespace-only lines count as blank
        ("a \t  b   \nc  ", "a b\nc"),  # runs of spaces/tabs, trailing spaces
        ("  indented\n\t line", "indented\nline"),  # lines stripped at both ends
        ("\n\n  padded text \n\n", "padded text"),  # whole text stripped
        ("“curly” ‘quotes’ — ﬁ …", "“curly” ‘quotes’ — ﬁ …"),  # NFC, not NFKC
        ("cafe\u0301", "caf\u00e9"),  # composed to NFC
        ("cafe\u200b\u0301", "caf\u00e9"),  # composes after the invisible char goes
        ("line one\nline two", "line one\nline two"),  # a single newline stays
    ],
)
def test_normalize_text_edge_cases(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_text_is_idempotent_and_handles_empty() -> None:
    messy = "\ufeff Title\u00a0\u00a0here \r\n\r\n\r\n\u200bBody\tline\x0c more "
    once = normalize_text(messy)
    assert once == "Title here\n\nBody line\nmore"
    assert normalize_text(once) == once
    assert normalize_text("") == ""
    assert normalize_text(" \n\u00a0\n ") == ""


# --------------------------------------------------------------------------- clean_body


def test_clean_body_keeps_line_structure_and_one_blank_line() -> None:
    text = "First para.\n\nAdvertisement\n\nSecond para line one\nline two.\n\n\nRead more"
    cleaned, removed = clean_body_report(text)
    assert cleaned == "First para.\n\nSecond para line one\nline two."
    assert removed == [("Advertisement", "advertisement"), ("Read more", "read-more-link")]
    assert clean_body(text) == cleaned


def test_clean_body_never_edits_inside_a_line() -> None:
    text = "The advertisement ran on Sunday. Read more about it below.\nShare this article"
    assert clean_body(text) == "The advertisement ran on Sunday. Read more about it below."


def test_isolated_rule_drops_a_signature_but_keeps_a_list() -> None:
    signature = "The court adjourned for the day.\n\n– Jane Doe\n\nThe jury returns Monday."
    assert clean_body(signature) == "The court adjourned for the day.\n\nThe jury returns Monday."
    streets = "Closed roads:\n\n--Main Street\n--Elm Street\n--Oak Avenue"
    assert clean_body(streets) == streets


def test_clean_body_with_explicit_rules_and_empty_input() -> None:
    assert clean_body("Advertisement", rules=()) == "Advertisement"
    assert clean_body("") == ""
    assert clean_body("Advertisement\n\nSubscribe") == ""


def test_seed_article_loses_exactly_its_trailing_boilerplate() -> None:
    raw = _need(SEED).read_text(encoding="utf-8")
    cleaned, removed = clean_body_report(raw)
    assert removed == SEED_BOILERPLATE
    article_part = raw[: raw.index(SEED_BOILERPLATE[0][0])]
    assert cleaned == normalize_text(article_part)
    kept_lines = [line for line in normalize_text(article_part).split("\n") if line]
    assert len(kept_lines) > 10 and all(line in cleaned for line in kept_lines)


# ------------------------------------------------------------------------ the rule file


def test_every_rule_is_documented_and_has_examples() -> None:
    entries = _yaml_rules()
    assert len(entries) == len(load_rules())
    for entry in entries:
        assert entry.get("why"), f"rule {entry['name']} needs a 'why'"
        assert entry.get("examples"), f"rule {entry['name']} needs at least one example"


@pytest.mark.parametrize("entry", _yaml_rules(), ids=lambda entry: str(entry["name"]))
def test_rule_matches_its_examples_and_no_rule_matches_its_keeps(entry: dict[str, Any]) -> None:
    rules = load_rules()
    rule = next(r for r in rules if r.name == entry["name"])
    for example in entry["examples"]:
        assert rule.matches(normalize_text(str(example))), f"{rule.name} misses {example!r}"
    for sentence in entry.get("keep", []):
        hits = [r.name for r in rules if r.matches(normalize_text(str(sentence)))]
        assert not hits, f"{sentence!r} would be dropped by {hits}"


def test_load_rules_is_cached_and_reads_the_same_file_by_path() -> None:
    assert load_rules() is load_rules()
    by_path = load_rules(str(files("index") / "boilerplate.yaml"))
    assert [r.name for r in by_path] == [r.name for r in load_rules()]
    assert all(isinstance(r, Rule) for r in by_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [", "not valid YAML"),
        ("something: else", "top-level 'rules:'"),
        ("rules:\n  - name: x\n", "needs a 'name' and at least one pattern"),
        ("rules:\n  - {name: x, pattern: 'a('}\n", "invalid pattern"),
        ("rules:\n  - {name: x, pattern: a}\n  - {name: x, pattern: b}\n", "used twice"),
    ],
)
def test_load_rules_rejects_bad_files_with_a_useful_message(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_rules(path)


# --------------------------------------------------------------------------- clean_title


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Storm hits coast | CNN Business", "Storm hits coast"),
        ("Court rules on case - CNNPolitics", "Court rules on case"),
        ("Quake strikes island - USA Today", "Quake strikes island"),
        ("The pros and cons | The Week UK", "The pros and cons"),
        ("Long headline cut short | CNN ...", "Long headline cut short"),
        ("Network - CNN feud grows - CNN", "Network - CNN feud grows"),
        ("  Two\n lines\u00a0 here ", "Two lines here"),
        ("Rock - Paper", "Rock - Paper"),
        ("USA Today", "USA Today"),
    ],
)
def test_clean_title(raw: str, expected: str) -> None:
    assert clean_title(raw) == expected


# ------------------------------------------------------- the real corpus and gold quotes


@pytest.fixture(scope="module")
def small_articles() -> dict[str, str]:
    path = _need(RTQA / "small" / "articles.jsonl")
    return {row["id"]: row["body"] for row in _jsonl(path)}


@pytest.fixture(scope="module")
def small_reports(small_articles: dict[str, str]) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    return {aid: clean_body_report(body) for aid, body in small_articles.items()}


def _quotes(dev_path: Path) -> list[tuple[str, str]]:
    return [
        (evidence["article_id"], evidence["quote"])
        for question in _jsonl(dev_path)
        for evidence in question.get("evidence", [])
    ]


def _lost_quotes(quotes: list[tuple[str, str]], cleaned: dict[str, str]) -> list[str]:
    return [
        f"{aid}: {quote[:80]!r}"
        for aid, quote in quotes
        if aid in cleaned and normalize_text(quote) not in cleaned[aid]
    ]


def test_gold_quotes_of_the_small_set_survive_cleaning(
    small_reports: dict[str, tuple[str, list[tuple[str, str]]]],
) -> None:
    quotes = _quotes(_need(RTQA / "small" / "dev.jsonl"))
    in_corpus = [q for q in quotes if q[0] in small_reports]
    assert len(in_corpus) > 50
    cleaned = {aid: report[0] for aid, report in small_reports.items()}
    assert _lost_quotes(in_corpus, cleaned) == []


@pytest.mark.slow
def test_gold_quotes_of_the_full_dev_set_survive_cleaning() -> None:
    """Every dev evidence quote, checked against its article in the full corpus.

    Only the ~1,400 cited articles are parsed and cleaned (a cheap id peek skips the rest).
    """
    quotes = _quotes(_need(RTQA / "dev.jsonl"))
    wanted = {aid for aid, _ in quotes}
    cleaned: dict[str, str] = {}
    with gzip.open(_need(RTQA / "articles.jsonl.gz"), "rt", encoding="utf-8") as lines:
        for line in lines:
            start = line.find('"id": "') + 7
            if line[start : line.find('"', start)] in wanted:
                row = json.loads(line)
                cleaned[row["id"]] = clean_body(row["body"])
    assert len(cleaned) == len(wanted)
    assert _lost_quotes(quotes, cleaned) == []


def test_cleaning_the_small_set_is_conservative_and_idempotent(
    small_articles: dict[str, str],
    small_reports: dict[str, tuple[str, list[tuple[str, str]]]],
) -> None:
    total = sum(len(normalize_text(body)) for body in small_articles.values())
    removed = sum(len(line) for _, lines in small_reports.values() for line, _ in lines)
    assert 0 < removed < 0.05 * total
    assert all(len(line) <= 1000 for _, lines in small_reports.values() for line, _ in lines)
    for cleaned, _ in small_reports.values():
        assert clean_body(cleaned) == cleaned


def test_sample_collection_is_cleaned_as_its_readme_says() -> None:
    """samples/README.md lists what the cleaner removes from the samples and what it keeps."""
    from index.articles import Article, iter_articles

    samples = Path(__file__).resolve().parents[2] / "samples" / "articles"
    bodies = {a.id: a.body for a in iter_articles([samples]) if isinstance(a, Article)}
    removed = {
        "desal-plant-vote": [
            "Sign up for Daily Newsletters",
            "Share this article",
            "Advertisement",
            "Please enter your comment!",
            "Please enter your name here",
        ],
        "rail-strike-begins": ["Updated 6:15 AM EST", "Click here to subscribe", "View original"],
        "election-runoff-result": ["Updated", "Sign up for Daily Newsletters", "Advertisement"],
        "rail-strike-mediator": ["Advertisement"],
    }
    for article_id, lines in removed.items():
        body_lines = bodies[article_id].splitlines()
        for line in lines:
            assert not any(b.strip().startswith(line) for b in body_lines), (article_id, line)
    kept = {
        "desal-plant-vote": ["By Sarah Lindqvist, Coastal Wire", "Read more: Gull Point plant"],
        "rail-strike-begins": ["(Photo: Elise Harke"],
    }
    for article_id, snippets in kept.items():
        for snippet in snippets:
            assert snippet in bodies[article_id], (article_id, snippet)
