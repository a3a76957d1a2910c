"""Shared fixtures: every test gets its own store; the sample store is built once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Offline and quiet, before anything imports the libraries that read these.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

from support import SAMPLES


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the default store at a fresh directory so no test touches a real one."""
    store = tmp_path / "default-store"
    monkeypatch.setenv("ARTICLE_QA_STORE", str(store))
    from qa.assistant import default_assistant

    default_assistant.cache_clear()
    return store


@pytest.fixture(scope="session")
def sample_store_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample collection ingested once per session (read-only: copy before writing)."""
    from index.ingest import Ingestor
    from index.store import open_store

    path = tmp_path_factory.mktemp("samples") / "store"
    store = open_store(path)
    report = Ingestor(store).ingest_paths([SAMPLES], progress=False)
    assert report.added >= 15 and not report.skipped, report
    store.close()
    return path


@pytest.fixture
def sample_store(sample_store_master: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the sample store."""
    path = tmp_path / "sample-store"
    shutil.copytree(sample_store_master, path)
    return path


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny, randomly initialised sentence-transformers model (32-d), built here offline."""
    from sentence_transformers import SentenceTransformer, models
    from support import tiny_bert
    from transformers import BertModel

    base = tmp_path_factory.mktemp("tiny-model")
    tokenizer, config = tiny_bert()
    BertModel(config).save_pretrained(base / "bert")
    tokenizer.save_pretrained(base / "bert")
    transformer = models.Transformer(str(base / "bert"), max_seq_length=128)
    model = SentenceTransformer(modules=[transformer, models.Pooling(32)], device="cpu")
    model.save(str(base / "st"))
    return base / "st"
