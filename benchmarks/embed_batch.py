"""Embedding throughput by precision and batch size, on real chunks (what ingest rests on).

Usage: python -m benchmarks.embed_batch [--chunks 1024] [--doc docs/benchmarks.md]

Chunks the first articles of rtqa small the way ingest does, then embeds the same chunks in
float32 and in bfloat16 (where the CPU has it natively) with each model batch size
(sentence-transformers sorts each call's texts by length, so the texts handed over in one
call also matter: ``call`` is how many chunks one call gets), and compares the vectors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import logging
import time
from pathlib import Path

import numpy as np

from benchmarks.common import append_section, machine
from benchmarks.paths import REPO, RTQA
from index.articles import Article, iter_articles
from index.chunking import ChunkingConfig, chunk_article
from index.embed import Embedder, resolve_precision

log = logging.getLogger("embed_batch")


def chunk_texts(n: int, counter: Embedder) -> list[str]:
    """The first ``n`` chunks of rtqa small, as ingest makes them (``counter`` counts the
    tokens)."""
    texts: list[str] = []
    for article in iter_articles([RTQA / "small" / "articles.jsonl"]):
        if isinstance(article, Article):
            chunks = chunk_article(article, ChunkingConfig(), counter.count_tokens)
            texts.extend(c.embed_text for c in chunks)
        if len(texts) >= n:
            break
    return texts[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=1024)
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    embedder = Embedder(precision="fp32")
    texts = chunk_texts(args.chunks, embedder)
    tokens = sum(embedder.count_tokens(texts))
    precisions = ["fp32"] + (["bf16"] if resolve_precision("auto") == "bf16" else [])
    rows = []
    vectors: dict[str, np.ndarray] = {}
    for precision in precisions:
        embedder = Embedder(precision=precision)
        embedder.embed(texts[:64])  # warm-up
        for batch, call in itertools.product((8, 16, 32, 64), (64, 256)):
            started = time.perf_counter()
            out = [
                embedder.embed(texts[i : i + call], batch_size=batch)
                for i in range(0, len(texts), call)
            ]
            seconds = time.perf_counter() - started
            vectors[precision] = np.concatenate(out)
            rows.append((precision, batch, call, len(texts) / seconds, tokens / seconds))
            log.info("%s, batch %d, call %d: %.1f chunks/s", precision, batch, call, rows[-1][3])
    agreement = "bfloat16 not native on this CPU: float32 only"
    if "bf16" in vectors:
        cosine = (vectors["fp32"] * vectors["bf16"]).sum(axis=1)
        agreement = (
            f"cosine of the bfloat16 vectors to the float32 ones: mean {cosine.mean():.6f}, "
            f"min {cosine.min():.6f}"
        )
    lines = [
        "",
        f"### Embedding precision and batch size ({dt.date.today().isoformat()})",
        "",
        f"- command: `python -m benchmarks.embed_batch --chunks {args.chunks}`",
        f"- machine: {machine()}; {len(texts)} chunks of rtqa small, {tokens} tokens",
        "",
        f"- {agreement}",
        "",
        "| precision | model batch | chunks per call | chunks/s | tokens/s |",
        "|---|---|---|---|---|",
        *(f"| {p} | {b} | {c} | {r:.1f} | {t:.0f} |" for p, b, c, r, t in rows),
        "",
    ]
    append_section(args.doc, lines)


if __name__ == "__main__":
    main()
