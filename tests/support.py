"""Paths the tests share (import as ``from support import ...``; ``tests/`` is on the path)."""

from __future__ import annotations

import socket
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "articles"
SAMPLE_QUESTIONS = REPO / "samples" / "questions.jsonl"
SHARED = REPO.parent / "shared"
RTQA = SHARED / "data" / "rtqa"


def tiny_bert(**extra: object) -> tuple[object, object]:
    """The bundled MiniLM tokenizer and a tiny BERT config (32-d, one layer) over its
    vocabulary: the parts of the tiny, randomly initialised models the tests build offline."""
    from transformers import BertConfig, BertTokenizerFast

    from index.embed import resolve_model_path

    tokenizer = BertTokenizerFast.from_pretrained(resolve_model_path("all-MiniLM-L6-v2"))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        **extra,
    )
    return tokenizer, config


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def store_of(articles: list[dict[str, object]], folder: Path) -> Path:
    """A real store in ``folder`` holding ``articles`` (rtqa-style JSON objects), ingested
    with the bundled model; its path."""
    import json

    from index.embed import Embedder
    from index.ingest import Ingestor
    from index.store import open_store
    from qa.config import Settings

    source = folder / "articles.jsonl"
    source.write_text("\n".join(json.dumps(a) for a in articles) + "\n", "utf-8")
    store = open_store(folder / "store")
    Ingestor(store, Embedder(Settings.load().embed_model)).ingest_paths([source], progress=None)
    store.close()
    return folder / "store"
