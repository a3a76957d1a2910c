from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from support import SAMPLES

from qa.cli import main


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_ingest_list_ask_remove_round_trip(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    code, out, err = _run("ingest", str(SAMPLES), "--store", store, "--quiet")
    assert code == 0, err
    assert "added 16, updated 0, unchanged 0, skipped 0" in out

    code, out, _ = _run("ingest", str(SAMPLES), "--store", store, "-q")
    assert "added 0, updated 0, unchanged 16" in out

    code, out, err = _run("list", "--store", store)
    assert code == 0 and len(out.splitlines()) == 16
    assert "16 articles" in err

    code, out, _ = _run(
        "ask", "Who won the presidential runoff in Estravia?", "--store", store, "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"question", "answer", "abstained", "citations", "passages", "timings"}
    assert data["abstained"] is False and "Marovic" in data["answer"]
    c = data["citations"][0]
    assert set(c) >= {
        "n",
        "article_id",
        "title",
        "source",
        "published_at",
        "url",
        "quote",
        "start",
        "end",
        "passage",
    }
    assert c["n"] == 1 and c["end"] - c["start"] == len(c["quote"])
    assert {"article_id", "text", "score"} <= set(data["passages"][0])

    code, out, _ = _run("ask", "Who won the presidential runoff in Estravia?", "--store", store)
    assert code == 0 and "[1]" in out and '"Lena Marovic won' in out

    code, out, _ = _run("remove", "election-runoff-result", "--store", store)
    assert code == 0 and "removed election-runoff-result" in out
    code, out, _ = _run("list", "--store", store, "--json")
    assert "election-runoff-result" not in out and len(out.splitlines()) == 15


def test_store_from_environment(sample_store: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ARTICLE_QA_STORE", str(sample_store))
    code, out, _ = _run(
        "ask",
        "When did the rail strike end?",
        "--json",
        "--k",
        "3",
        "--source",
        "The Valley Courier",
    )
    data = json.loads(out)
    assert code == 0 and len(data["passages"]) == 3
    assert {p["source"] for p in data["passages"]} == {"The Valley Courier"}


def test_errors_are_one_line_and_non_zero(tmp_path: Path) -> None:
    code, _, err = _run("ask", "Anything?", "--store", str(tmp_path / "empty"))
    assert code == 1
    assert err.strip().startswith("Error: No articles indexed yet")
    assert len(err.strip().splitlines()) == 1

    code, _, err = _run("ask", "x", "--since", "last tuesday", "--store", str(tmp_path))
    assert code == 2 and "YYYY-MM-DD" in err

    code, _, err = _run("remove", "nope", "--store", str(tmp_path / "empty"))
    assert code == 1 and "no article with id nope" in err

    code, _, err = _run("ask", "   ", "--store", str(tmp_path / "empty"))
    assert code == 1 and "empty" in err


def test_ingest_reports_skips_by_name(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "body": "Fine."}\nnot json\n', encoding="utf-8")
    code, out, err = _run("ingest", str(bad), "--store", str(tmp_path / "s"), "-q")
    assert code == 0
    assert "added 1" in out and "skipped 1" in out
    assert f"skipped {bad}:2: not valid JSON" in err

    # Nothing usable at all is a failure a script can see, still naming each input.
    worse = tmp_path / "worse.jsonl"
    worse.write_text("not json\n{}\n", encoding="utf-8")
    code, out, err = _run("ingest", str(worse), "--store", str(tmp_path / "s"), "-q")
    assert code == 1
    assert f"skipped {worse}:1: not valid JSON" in err and f"skipped {worse}:2" in err
    assert "nothing was ingested: all 2 input(s) were skipped" in err


def test_ingest_off_a_terminal_logs_progress_lines(tmp_path: Path, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    # A run in a log file (nohup, CI) has no progress bar: a line every LOG_EVERY_S stands
    # for it, shown without -v; --quiet shows neither.
    import logging

    import index.ingest

    monkeypatch.setattr(index.ingest, "LOG_EVERY_S", 0.0)
    progress = logging.getLogger("index.ingest.progress")
    monkeypatch.setattr(progress, "level", progress.level)  # restored after the test
    article = tmp_path / "one.txt"
    article.write_text("Harbour reopens\n\nThe harbour reopened on Monday.\n", encoding="utf-8")
    _run("ingest", str(article), "--store", str(tmp_path / "quiet"), "-q")
    assert not [r for r in caplog.records if r.name == progress.name]
    code, _, err = _run("ingest", str(article), "--store", str(tmp_path / "s"))
    assert code == 0, err
    lines = [r.getMessage() for r in caplog.records if r.name == progress.name]
    assert lines and lines[-1].startswith("ingest progress: 1 read, added 1")


def test_every_command_has_help() -> None:
    for command in ["ingest", "list", "remove", "ask", "serve", "eval"]:
        code, out, _ = _run(command, "--help")
        assert code == 0 and "Usage:" in out and "--store" in out


def test_ask_shows_the_days_a_quote_speaks_of(sample_store: Path) -> None:
    """A quote that says "on Tuesday night" gets that Tuesday beside it, read against its
    article's publication date, in --json and in the terminal; the quote is unchanged."""
    import datetime as dt

    question = "By what margin did Port Halvern's council back the extra money for the plant?"
    code, out, err = _run("ask", question, "--store", str(sample_store), "--json")
    assert code == 0, err
    cited = json.loads(out)["citations"]
    vote = next(c for c in cited if "on Tuesday night" in c["quote"])
    published = dt.date.fromisoformat(vote["published_at"])
    tuesday = published - dt.timedelta(days=(published.weekday() - 1) % 7)
    (mention,) = [d for d in vote["dates"] if d["text"] == "on Tuesday night"]
    assert mention["date"] == mention["until"] == tuesday.isoformat()
    assert mention["precision"] == "day" and mention["resolved"] and mention["relative"]
    assert vote["quote"][mention["start"] : mention["end"]] == "on Tuesday night"

    code, out, _ = _run("ask", question, "--store", str(sample_store))
    assert f'when: "on Tuesday night" = {mention["label"]}' in out
    assert f'"{vote["quote"]}"' in out
