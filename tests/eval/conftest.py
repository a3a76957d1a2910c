"""Fixtures of the eval tests: one evaluation of the sample collection per session."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import SAMPLE_QUESTIONS
from support import SAMPLES as SAMPLE_ARTICLES

from eval.report import Report


@dataclass(frozen=True)
class SampleEval:
    report: Report
    gold: Path
    store: Path
    out: Path


@pytest.fixture(scope="session")
def sample_articles() -> Path:
    return SAMPLE_ARTICLES


@pytest.fixture(scope="session")
def sample_gold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample collection's questions as a gold file of their own."""
    path = tmp_path_factory.mktemp("gold") / "gold.jsonl"
    lines = SAMPLE_QUESTIONS.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line for line in lines if line.strip()) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def sample_eval(
    sample_gold: Path, sample_store_master: Path, tmp_path_factory: pytest.TempPathFactory
) -> SampleEval:
    """``run_eval`` on all sample questions, into a copy of the session's sample store (so
    its ingest step finds every article unchanged)."""
    from eval.run import run_eval

    root = tmp_path_factory.mktemp("sample-eval")
    store = root / "store"
    shutil.copytree(sample_store_master, store)
    out = root / "out"
    report = run_eval(sample_gold, articles=[SAMPLE_ARTICLES], store=store, out=out)
    return SampleEval(report=report, gold=sample_gold, store=store, out=out)
