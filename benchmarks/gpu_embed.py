"""Embed the texts that ``benchmarks.precompute export`` wrote, on whatever GPU is there.

Usage: python benchmarks/gpu_embed.py MODEL_DIR TEXTS_DIR OUT_DIR [--shard-rows N]

Needs numpy, torch and sentence-transformers only (not this project), so it runs on a bare
machine with a copy of the model folder. For each ``texts-NN.jsonl.xz`` it writes
``vectors-NN-KK.npy`` shards (float16, unit length, in the file's order) of at most
``--shard-rows`` rows, small enough to copy back one by one.
"""

from __future__ import annotations

import argparse
import json
import logging
import lzma
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("texts", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--shard-rows", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=512)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    import torch
    from sentence_transformers import SentenceTransformer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = SentenceTransformer(
        str(args.model), device=device, local_files_only=True, model_kwargs={"dtype": torch.float32}
    )
    logging.info("model on %s, max_seq_length %s", device, model.max_seq_length)
    args.out.mkdir(parents=True, exist_ok=True)
    for part in sorted(args.texts.glob("texts-*.jsonl.xz")):
        stem = part.name.removesuffix(".jsonl.xz").removeprefix("texts-")
        with lzma.open(part, "rt", encoding="utf-8") as handle:
            texts = [json.loads(line)[1] for line in handle]
        started = time.perf_counter()
        vectors = model.encode(
            texts, batch_size=args.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        seconds = time.perf_counter() - started
        logging.info(
            "%s: %d texts in %.1f s (%.0f/s)", part.name, len(texts), seconds, len(texts) / seconds
        )
        for k, first in enumerate(range(0, len(texts), args.shard_rows)):
            shard = vectors[first : first + args.shard_rows].astype(np.float16)
            np.save(args.out / f"vectors-{stem}-{k:02d}.npy", shard)


if __name__ == "__main__":
    main()
