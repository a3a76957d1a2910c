"""Paths the tests share (import as ``from support import ...``; ``tests/`` is on the path)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "articles"
SAMPLE_QUESTIONS = REPO / "samples" / "questions.jsonl"
SHARED = REPO.parent / "shared"
RTQA = SHARED / "data" / "rtqa"
