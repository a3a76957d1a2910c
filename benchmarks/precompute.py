"""Embeddings computed elsewhere (a GPU machine), used here as a cache keyed by text.

Embedding all of rtqa's 25,059 articles (about 270,000 chunks) takes hours on a laptop's
CPU; everything else in an ingest takes minutes. For the full-corpus benchmarks the chunks'
texts can be embedded on a machine with a GPU, with the same model, and brought back:

1. ``python -m benchmarks.precompute export DIR/texts --set dev`` writes every text the dev
   benchmarks will embed (our chunks, and the LlamaIndex-defaults baseline's nodes) to
   ``DIR/texts/texts-*.jsonl.xz``, a JSON ``[sha1, text]`` a line, duplicates removed.
2. ``python benchmarks/gpu_embed.py MODEL DIR/texts DIR/vectors`` (numpy and
   sentence-transformers only) embeds them with all-MiniLM-L6-v2 and writes
   ``vectors-*.npy`` (float16, unit length, in the texts' order).
3. ``python -m benchmarks.precompute ingest DIR --set dev --store STORE`` ingests the
   corpus with :class:`CachedEmbedder`, which looks every text up first and embeds only what
   it does not find; ``benchmarks.baselines --precomputed DIR`` does the same for the
   baselines' indexes.

A text's vector does not depend on where it was computed beyond float rounding (float16 here:
cosine within about 1e-5 of the float32 vector), so the store is the one ``article-qa ingest``
would build; queries are embedded here, on the CPU, as always.

Measured for rtqa dev (2026-11-25): the export took 11.5 min here (340,933 distinct texts,
89 MB of xz); an H100 embedded them in 3.3 min (about 1,700 texts/s, batch 1024); the ingest
with those vectors took about 15 min here. The vectors agree with this machine's to a cosine
of 0.9999999 (200 texts checked).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import logging
import lzma
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.articles import Article
from index.embed import Embedder
from index.pooling import unit_rows

log = logging.getLogger("precompute")

# What the model sees of a text is its first 256 tokens (special ones included), so a text is
# sent up to the end of its KEEP_TOKENS-th token: word-piece tokenization is local to a word,
# so the first 254 tokens are the same (keys are of the whole text).
KEEP_TOKENS = 270
TEXTS_PER_PART = 40_000


def llama_documents(articles: Iterable[Article]) -> list[Any]:
    """Articles as LlamaIndex documents (the baselines' input, and what precompute embeds
    for them)."""
    from llama_index.core import Document

    return [
        Document(
            text=a.body,
            doc_id=a.id,
            metadata={"article_id": a.id, "title": a.title, "published_at": a.published_at or ""},
        )
        for a in articles
    ]


def text_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).digest()


class CachedEmbedder(Embedder):
    """An :class:`Embedder` that takes vectors from a precomputed table when it has them."""

    def __init__(self, table: dict[bytes, np.ndarray], model: str | None = None) -> None:
        super().__init__(*(() if model is None else (model,)))
        self.table = table
        self.hits = 0
        self.misses = 0

    def embed(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        if not texts:
            return super().embed(texts, batch_size)
        found = [self.table.get(text_key(t)) for t in texts]
        missing = [i for i, v in enumerate(found) if v is None]
        dim = next((v.shape[0] for v in found if v is not None), None) or self.dimension
        out = np.zeros((len(texts), dim), dtype=np.float32)
        if missing:
            computed = super().embed([texts[i] for i in missing], batch_size)
            for row, i in zip(computed, missing, strict=True):
                out[i] = row
        for i, v in enumerate(found):
            if v is not None:
                out[i] = v.astype(np.float32)
        unit_rows(out)
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        return out

    def embed_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]],
        batch_size: int | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray] | None]:
        """The chunks' vectors from the table, and no sentence vectors: the table holds none,
        so the answer stage embeds those sentences at question time, as for an older store."""
        return self.embed(texts, batch_size), None


def load_table(texts_dir: Path, vectors_dir: Path) -> dict[bytes, np.ndarray]:
    """Pair ``texts-NN.jsonl.xz`` with ``vectors-NN-*.npy`` (a part may be split in shards)."""
    table: dict[bytes, np.ndarray] = {}
    for part in sorted(texts_dir.glob("texts-*.jsonl.xz")):
        stem = part.name.removesuffix(".jsonl.xz").removeprefix("texts-")
        shards = sorted(vectors_dir.glob(f"vectors-{stem}-*.npy"))
        if not shards:
            log.warning("no vectors for %s", part.name)
            continue
        vectors = np.concatenate([np.load(s) for s in shards])
        with lzma.open(part, "rt", encoding="utf-8") as handle:
            keys = [bytes.fromhex(json.loads(line)[0]) for line in handle]
        if len(keys) != len(vectors):
            raise ValueError(f"{part}: {len(keys)} texts but {len(vectors)} vectors in {shards}")
        table.update(zip(keys, vectors, strict=True))
    log.info("%d precomputed vectors", len(table))
    return table


def _texts(articles_path: Path, embedder: Embedder) -> Iterator[str]:
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode
    from tqdm import tqdm

    from index.articles import Article, iter_articles
    from index.chunking import ChunkingConfig, chunk_article

    config = ChunkingConfig(model_max_tokens=embedder.max_tokens)
    articles = [a for a in iter_articles([articles_path]) if isinstance(a, Article)]
    for article in tqdm(articles, desc="our chunks"):
        for chunk in chunk_article(article, config, embedder.count_tokens):
            yield chunk.embed_text
    splitter = SentenceSplitter()
    documents = llama_documents(articles)
    for start in tqdm(range(0, len(documents), 500), desc="LlamaIndex nodes"):
        for node in splitter.get_nodes_from_documents(documents[start : start + 500]):
            yield node.get_content(metadata_mode=MetadataMode.EMBED)


def model_view(texts: Sequence[str], embedder: Embedder) -> list[str]:
    """Each text cut after its first ``KEEP_TOKENS`` tokens: all that the model reads."""
    encoded = embedder.model.tokenizer(
        list(texts), add_special_tokens=False, return_offsets_mapping=True, verbose=False
    )
    return [
        text if len(offsets) <= KEEP_TOKENS else text[: offsets[KEEP_TOKENS - 1][1]]
        for text, offsets in zip(texts, encoded["offset_mapping"], strict=True)
    ]


def export(articles_path: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    seen: set[bytes] = set()

    def distinct(embedder: Embedder) -> Iterator[tuple[bytes, str]]:
        for text in _texts(articles_path, embedder):
            key = text_key(text)
            if key not in seen:
                seen.add(key)
                yield key, text

    embedder = Embedder()
    rows, part = distinct(embedder), 0
    while batch := list(itertools.islice(rows, TEXTS_PER_PART)):
        with lzma.open(out / f"texts-{part:02d}.jsonl.xz", "wt", encoding="utf-8") as handle:
            sent = model_view([text for _, text in batch], embedder)
            for (key, _), text in zip(batch, sent, strict=True):
                handle.write(json.dumps([key.hex(), text]) + "\n")
        part += 1
    log.info("%d distinct texts in %d parts under %s", len(seen), part, out)


def main() -> None:
    from benchmarks.paths import SETS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export")
    ex.add_argument("out", type=Path)
    ex.add_argument("--set", choices=sorted(SETS), default="dev")
    ing = sub.add_parser("ingest")
    ing.add_argument("folder", type=Path, help="holds texts/ (from export) and vectors/")
    ing.add_argument("--set", choices=sorted(SETS), default="dev")
    ing.add_argument("--store", type=Path, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    articles = SETS[args.set][1]
    if args.command == "export":
        export(articles, args.out)
        return
    from index.ingest import Ingestor
    from index.store import open_store

    embedder = CachedEmbedder(load_table(args.folder / "texts", args.folder / "vectors"))
    report = Ingestor(open_store(args.store), embedder=embedder).ingest_paths([articles])
    log.info(
        "%s; %d texts found precomputed, %d embedded here",
        report.summary(),
        embedder.hits,
        embedder.misses,
    )


if __name__ == "__main__":
    main()
