from __future__ import annotations

import gzip
import json
import logging
import re
from pathlib import Path

import pytest
from support import RTQA, SAMPLES

from index.articles import Article, Skip, iter_articles, parse_date


def _read(*paths: Path) -> tuple[list[Article], list[Skip]]:
    items = list(iter_articles(paths))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Skip)]


def test_sample_collection_reads_every_format() -> None:
    articles, skipped = _read(SAMPLES)
    assert not skipped
    by_id = {a.id: a for a in articles}
    assert len(by_id) == len(articles) == 16
    suffixes = {Path(a.origin.split(":")[0].split("[")[0]).suffix for a in articles}
    assert suffixes == {".txt", ".md", ".html", ".json", ".jsonl"}
    # Front matter (.md)
    md = by_id["desal-plant-cost-overrun"]
    assert md.source == "Harbor Ledger" and md.published_at == "2025-09-22"
    assert md.url.startswith("https://harborledger.example/")
    assert not md.body.startswith("---")
    # Plain text: title from the first line, byline and dateline read, boilerplate gone.
    txt = by_id["desal-plant-vote"]
    assert txt.title.startswith("Port Halvern council approves")
    assert (txt.source, txt.author, txt.published_at) == (
        "Coastal Wire",
        "Sarah Lindqvist",
        "2025-10-15",
    )
    assert "Sign up for Daily Newsletters" not in txt.body
    assert "Share this article" not in txt.body
    # HTML: main text only, metadata from the page.
    html = by_id["rail-strike-settlement"]
    assert html.source == "The Valley Courier" and html.published_at
    assert "<" not in html.body and "cookie" not in html.body.lower()
    # JSON with `content` for the body.
    assert by_id["heatwave-fire-contained"].body


def test_jsonl_records_keep_metadata_and_extras(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    rows = [
        {
            "id": "x1",
            "title": "T",
            "body": "One sentence here.",
            "published_at": "2024-02-03",
            "source": "S",
            "url": "https://s.example/1",
            "section": "World",
            "tags": ["a", "b"],
        },
        {"title": "No id", "text": "Body from the text field.", "url": "https://s.example/2"},
        {"title": "Hash id", "content": "Body from content.", "published": "March 5, 2023"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    articles, skipped = _read(path)
    assert not skipped
    first, second, third = articles
    assert first.id == "x1" and first.extra == {"section": "World", "tags": '["a", "b"]'}
    assert second.id == "https://s.example/2"
    assert third.id.startswith("h") and third.published_at == "2023-03-05"
    assert first.origin.endswith("a.jsonl:1")


def test_bad_records_are_skipped_by_line_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl.gz"
    lines = [
        json.dumps({"id": "ok1", "title": "Fine", "body": "A fine article."}),
        "{not json",
        json.dumps({"id": "nobody", "title": "Missing body"}),
        json.dumps({"id": "badtitle", "title": 5, "body": "x y z"}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "ok2", "title": "Fine too", "body": "Another fine article."}),
    ]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    articles, skipped = _read(path)
    assert [a.id for a in articles] == ["ok1", "ok2"]
    reasons = {s.origin.rsplit(":", 1)[1]: s.reason for s in skipped}
    assert set(reasons) == {"2", "3", "4", "5"}
    assert "not valid JSON" in reasons["2"]
    assert "body" in reasons["3"]
    assert "'title'" in reasons["4"]
    assert "JSON object" in reasons["5"]


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 story\n\nIt was good.".encode("latin-1"))
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "good.md").write_text("# Title\n\nA real sentence.\n", encoding="utf-8")
    (tmp_path / "notes.docx").write_bytes(b"PK")
    articles, skipped = _read(tmp_path, tmp_path / "missing.txt", tmp_path / "notes.docx")
    assert [a.id for a in articles] == ["good"]
    assert articles[0].title == "Title"
    reasons = {Path(s.origin).name: s.reason for s in skipped}
    assert reasons["empty.txt"] == "empty file"
    assert "UTF-8" in reasons["latin1.txt"]
    assert "not valid JSON" in reasons["broken.json"]
    assert reasons["missing.txt"] == "file not found"
    assert "unsupported file type" in reasons["notes.docx"]


def test_front_matter_errors_are_reported_with_their_line(tmp_path: Path) -> None:
    text = "---\ntitle: Ferry\nsource: Harbor Ledger\nauthor: [unclosed\n---\nBody.\n"
    (tmp_path / "bad.md").write_text(text, encoding="utf-8")
    _, skipped = _read(tmp_path / "bad.md")
    assert len(skipped) == 1 and "front matter is not valid YAML" in skipped[0].reason
    # the line of the file (4: "author: [unclosed", or the line after, where YAML sees it)
    assert re.search(r"\(line [45]\)", skipped[0].reason), skipped[0].reason


def test_a_file_over_the_limit_is_skipped_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("Huge\n\n" + "word " * 60_000, encoding="utf-8")  # 300 kB, one line
    small = tmp_path / "small.txt"
    small.write_text("Pier closed\n\nThe north pier is closed until May.", encoding="utf-8")
    items = list(iter_articles([tmp_path], max_bytes=100_000))
    [skip] = [i for i in items if isinstance(i, Skip)]
    assert skip.origin == str(big)
    assert (
        skip.reason == "300 kB, over the 100 kB limit for one article file (raise it with --max-mb)"
    )
    assert [a.id for a in items if isinstance(a, Article)] == ["small"]
    # a .jsonl is limited a line at a time: the other lines are read
    lines = tmp_path / "lines.jsonl"
    record = {"id": "ok", "title": "Fine", "body": "The ferry runs again on Monday."}
    huge = {"id": "huge", "title": "Huge", "body": "word " * 60_000}
    lines.write_text("\n".join(json.dumps(r) for r in (record, huge, record)) + "\n", "utf-8")
    items = list(iter_articles([lines], max_bytes=100_000))
    assert [i.origin for i in items if isinstance(i, Skip)] == [f"{lines}:2"]
    assert "over the 100 kB limit for one line" in items[1].reason  # type: ignore[union-attr]
    assert sum(isinstance(i, Article) for i in items) == 2


def test_a_truncated_gzip_is_named_with_the_line_it_stopped_at(tmp_path: Path) -> None:
    records = [
        {"id": f"a{i}", "title": f"Story {i}", "body": f"The ferry ran {i} times. " * 40}
        for i in range(200)
    ]
    data = gzip.compress("\n".join(json.dumps(r) for r in records).encode())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    articles, skipped = _read(cut)
    assert 0 < len(articles) < 200
    [skip] = skipped
    assert skip.origin == f"{cut}:{len(articles) + 1}"
    assert f"ends early or is damaged after line {len(articles)}" in skip.reason


def test_links_that_loop_or_lead_nowhere_are_named(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "story.txt").write_text("Pier\n\nThe pier is closed.", "utf-8")
    (folder / "sub" / "back").symlink_to(folder, target_is_directory=True)  # a loop
    (folder / "self.txt").symlink_to(folder / "self.txt")  # a link to itself
    (folder / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    articles, skipped = _read(folder)
    assert [a.id for a in articles] == ["story"]
    reasons = {Path(s.origin).name: s.reason for s in skipped}
    assert reasons["self.txt"] == "a loop of symbolic links"
    assert "which does not exist" in reasons["gone.txt"]
    assert reasons["back"].startswith(f"leads to {folder}, read already")


def test_a_record_without_a_title_warns_that_the_body_gave_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "notitle.jsonl"
    path.write_text(json.dumps({"id": "x", "body": "Ferry resumes.\nIt ran on time."}), "utf-8")
    with caplog.at_level(logging.WARNING):
        [article] = _read(path)[0]
    assert article.title == "Ferry resumes."
    assert f"{path}:1: no title; took the first line of the text" in caplog.text


def test_an_impossible_front_matter_date_loses_nothing(tmp_path: Path, caplog: object) -> None:
    (tmp_path / "baddate.md").write_text(
        "---\ntitle: Ferry news\npublished: 2026-99-99\n---\nThe ferry runs again.\n",
        encoding="utf-8",
    )
    (tmp_path / "good.md").write_text(
        "---\ntitle: Fine\npublished: 2026-03-04\n---\nA real sentence.\n", encoding="utf-8"
    )
    articles, skipped = _read(tmp_path)
    assert not skipped
    dates = {a.id: a.published_at for a in articles}
    assert dates["good"] == "2026-03-04"  # a YAML date is still read as a date
    assert dates["baddate"] != "2026-03-04" and "baddate.md" in caplog.text  # type: ignore[attr-defined]


def test_rtqa_records_read_as_they_are() -> None:
    path = RTQA / "small" / "articles.jsonl"
    with path.open(encoding="utf-8") as handle:
        first = json.loads(handle.readline())
    article = next(iter(iter_articles([path])))
    assert isinstance(article, Article)
    assert article.id == first["id"]
    assert article.published_at == first["published_at"]
    assert article.title and article.body and article.url == first["url"]


def test_parse_date_forms() -> None:
    assert parse_date("2026-03-04") == "2026-03-04"
    assert parse_date("2026-03-04T22:10:00Z") == "2026-03-04"
    assert parse_date("March 4, 2026") == "2026-03-04"
    assert parse_date("4 Mar 2026") == "2026-03-04"
    assert parse_date(1772582400) == "2026-03-04"
    assert parse_date("not a date") is None
    assert parse_date("") is None
