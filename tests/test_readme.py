"""The README's quick start is run for real: its commands and their output must stay true."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import REPO

from qa.cli import main

README = (REPO / "README.md").read_text(encoding="utf-8")


def _console_session(which: int = 0) -> list[tuple[list[str], list[str]]]:
    blocks = re.findall(r"```console\n(.*?)```", README, re.DOTALL)
    assert len(blocks) > which, "README has no such console block"
    steps: list[tuple[list[str], list[str]]] = []
    for line in blocks[which].splitlines():
        if line.startswith("$ "):
            steps.append((shlex.split(line[2:].split("  #")[0]), []))
        elif steps:
            steps[-1][1].append(line)
    return steps


def test_quick_start_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    runner = CliRunner()
    steps = _console_session()
    assert [s[0][:2] for s in steps][1:] == [
        [".venv/bin/article-qa", "ingest"],
        [".venv/bin/article-qa", "ask"],
        [".venv/bin/article-qa", "ask"],
    ]
    for argv, expected in steps:
        if argv[0] == "export":
            monkeypatch.setenv("ARTICLE_QA_STORE", str(tmp_path / "store"))
            continue
        result = runner.invoke(main, argv[1:], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        want = "\n".join(expected).strip()
        got = result.stdout.strip()
        if argv[1] == "ingest":
            # Timings vary; the counts must not.
            assert got.split(" (")[0] == want.split(" (")[0]
        else:
            assert got == want


def test_the_store_example_runs_as_written(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
    (example,) = [b for b in blocks if 'open_store("memory:scratch")' in b]
    monkeypatch.chdir(REPO)
    exec(compile("from qa import Assistant\n" + example, "README.md", "exec"), {})
    count, answer = capsys.readouterr().out.splitlines()[:2]
    assert int(count.split()[0]) >= 15 and "Gull Point" in count
    assert answer.startswith("**$412 million** [1]")


def test_the_timeline_example_runs_as_written(
    sample_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (argv, expected), *rest = _console_session(1)
    assert not rest and argv[:2] == [".venv/bin/article-qa", "ask"], argv
    monkeypatch.setenv("ARTICLE_QA_STORE", str(sample_store))
    result = CliRunner().invoke(main, argv[1:], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "\n".join(expected).strip()
