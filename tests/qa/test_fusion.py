"""Both fusion rules over the real sample store: weighted scores (default) and RRF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import SAMPLE_QUESTIONS

from qa import Assistant
from qa.config import Settings
from qa.errors import ConfigError

QUESTIONS = [json.loads(line) for line in SAMPLE_QUESTIONS.read_text("utf-8").splitlines()]
ANSWERABLE = [q for q in QUESTIONS if q["answerable"]]


@pytest.mark.parametrize("fusion", ["weighted", "rrf"])
def test_both_fusions_find_the_evidence(sample_store_master: Path, fusion: str) -> None:
    assistant = Assistant(Settings.load(store=sample_store_master, fusion=fusion))
    found = 0
    for q in ANSWERABLE:
        passages = assistant.retrieve(q["question"], k=5)
        ids = {p.article_id for p in passages} | {c for p in passages for c in p.copies}
        found += any(e["article_id"] in ids for e in q["evidence"])
        scores = [p.score for p in passages]
        assert scores == sorted(scores, reverse=True)
    assert found >= len(ANSWERABLE) - 1, fusion


def test_rrf_scores_are_rank_based(sample_store_master: Path) -> None:
    settings = Settings.load(store=sample_store_master, fusion="rrf", recency_boost=0.0)
    top = Assistant(settings).retrieve(ANSWERABLE[0]["question"], k=3)
    # 61 * (w / (60 + r_dense) + (1 - w) / (60 + r_bm25)): 1 for first in both, else less.
    assert 0.9 < top[0].score <= 1.0 + 1e-9
    assert all(0 < p.score < 1.0 + 1e-9 for p in top)
    dense_only = Assistant(settings.replace(dense_weight=1.0)).retrieve("desalination", k=1)
    assert dense_only[0].score == pytest.approx(1.0)


def test_an_unknown_fusion_is_refused() -> None:
    with pytest.raises(ConfigError, match="fusion must be weighted or rrf"):
        Settings.load(fusion="max")
