"""Embedding throughput by batch size, on real chunks (what the ingest batch sizes rest on).

Usage: python -m benchmarks.embed_batch [--chunks 1024] [--doc docs/benchmarks.md]

Chunks the first articles of rtqa small the way ingest does, then embeds the same chunks with
each model batch size (sentence-transformers sorts each call's texts by length, so the
texts handed over in one call also matter: ``call`` is how many chunks one call gets).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import logging
import time
from pathlib import Path

from benchmarks.run import REPO, RTQA, machine
from index.articles import Article, iter_articles
from index.chunking import ChunkingConfig, chunk_article
from index.embed import Embedder

log = logging.getLogger("embed_batch")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=1024)
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    embedder = Embedder()
    texts: list[str] = []
    for article in iter_articles([RTQA / "small" / "articles.jsonl"]):
        if isinstance(article, Article):
            chunks = chunk_article(article, ChunkingConfig(), embedder.count_tokens)
            texts.extend(c.embed_text for c in chunks)
        if len(texts) >= args.chunks:
            break
    texts = texts[: args.chunks]
    tokens = sum(embedder.count_tokens(texts))
    embedder.embed(texts[:64])  # warm-up
    rows = []
    for batch, call in itertools.product((8, 16, 32, 64), (64, 256)):
        started = time.perf_counter()
        for i in range(0, len(texts), call):
            embedder.embed(texts[i : i + call], batch_size=batch)
        seconds = time.perf_counter() - started
        rows.append((batch, call, len(texts) / seconds, tokens / seconds))
        log.info("batch %d, call %d: %.1f chunks/s", batch, call, len(texts) / seconds)
    lines = [
        "",
        f"### Embedding batch size ({dt.date.today().isoformat()})",
        "",
        f"- command: `python -m benchmarks.embed_batch --chunks {args.chunks}`",
        f"- machine: {machine()}; {len(texts)} chunks of rtqa small, {tokens} tokens",
        "",
        "| model batch | chunks per call | chunks/s | tokens/s |",
        "|---|---|---|---|",
        *(f"| {b} | {c} | {r:.1f} | {t:.0f} |" for b, c, r, t in rows),
        "",
    ]
    with args.doc.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


if __name__ == "__main__":
    main()
