"""Ingest the rtqa small articles with another chunk size, for comparing chunkings.

Usage: python -m benchmarks.chunk_size TOKENS OVERLAP STORE
then:  article-qa eval ../shared/data/rtqa/small/dev.jsonl --store STORE --out DIR
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from benchmarks.paths import SETS
from index.chunking import ChunkingConfig
from index.embed import Embedder
from index.ingest import Ingestor
from index.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("tokens", type=int)
    parser.add_argument("overlap", type=int)
    parser.add_argument("store", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    chunking = ChunkingConfig(chunk_tokens=args.tokens, overlap_tokens=args.overlap)
    report = Ingestor(open_store(args.store), Embedder(), chunking=chunking).ingest_paths(
        [SETS["small"][1]], progress=False
    )
    logging.getLogger("chunk_size").info("%s %s: %s", args.tokens, args.overlap, report.summary())


if __name__ == "__main__":
    main()
