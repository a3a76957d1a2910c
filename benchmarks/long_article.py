"""Peak memory of ingesting one very long article (of several sizes), and how much of it the
BM25 index takes.

Usage: python -m benchmarks.long_article [--sizes 2,8,18] [--model NAME_OR_PATH]

Each size gets a fresh process (peak memory is per process): a plain-text article of that
many MB (paragraphs of generated sentences) is ingested into a new store, once as is and
once with the BM25 index left unbuilt, and the peak resident memory of each is reported.
``--model`` picks the embedding model (default: the bundled MiniLM; a tiny random model,
``--model tiny``, is quicker and needs the same memory for everything but the model).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import append_section, machine
from benchmarks.paths import REPO

log = logging.getLogger("long_article")
WORDS = (
    "the council voted on a plan to repair the old bridge after months of delay while the "
    "mayor said that work would start before the summer and residents asked about the cost"
).split()


def write_article(path: Path, mb: float) -> None:
    rnd = random.Random(1)
    with path.open("w", encoding="utf-8") as out:
        out.write("A very long report\n\n")
        size = 0
        while size < mb * 1_000_000:
            sentences = [" ".join(rnd.choice(WORDS) for _ in range(20)).capitalize() + "."]
            paragraph = " ".join(sentences * 6) + "\n\n"
            out.write(paragraph)
            size += len(paragraph)


def tiny_model(folder: Path) -> str:
    sys.path.insert(0, str(REPO / "tests"))
    from sentence_transformers import SentenceTransformer, models  # type: ignore[attr-defined,unused-ignore]
    from support import tiny_bert
    from transformers import BertModel

    tokenizer, config = tiny_bert()
    BertModel(config).save_pretrained(folder / "bert")
    tokenizer.save_pretrained(folder / "bert")
    transformer = models.Transformer(str(folder / "bert"), max_seq_length=128)
    SentenceTransformer(modules=[transformer, models.Pooling(32)], device="cpu").save(
        str(folder / "st")
    )
    return str(folder / "st")


def one(path: str, store: str, model: str, bm25: bool) -> None:
    """In its own process: ingest ``path`` and print the report as JSON."""
    import index.store.lexical
    from index.embed import Embedder
    from index.ingest import Ingestor, peak_memory_mib
    from index.store import open_store

    if not bm25:
        index.store.lexical.LexicalIndex.ensure = lambda self: None  # type: ignore[method-assign]
    report = Ingestor(open_store(store), Embedder(model) if model else Embedder()).ingest_paths(
        [path], progress=False
    )
    print(
        json.dumps({"chunks": report.chunks, "seconds": report.seconds, "peak": peak_memory_mib()})
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2,8,18")
    parser.add_argument("--model", default="")
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        path, store, model, bm25 = args.one
        one(path, store, model, bm25 == "1")
        return
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    rows = [
        "| article | chunks | peak MiB | peak MiB without BM25 | seconds |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = tiny_model(folder / "tiny") if args.model == "tiny" else args.model
        for mb in (float(s) for s in args.sizes.split(",")):
            article = folder / f"long-{mb:g}.txt"
            write_article(article, mb)
            got = {}
            for bm25 in ("1", "0"):
                store = folder / f"store-{mb:g}-{bm25}"
                done = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "benchmarks.long_article",
                        "--one",
                        str(article),
                        str(store),
                        model,
                        bm25,
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=REPO,
                )
                got[bm25] = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(
                f"| {mb:g} MB | {got['1']['chunks']} | {got['1']['peak']:.0f} | "
                f"{got['0']['peak']:.0f} | {got['1']['seconds']:.0f} |"
            )
            log.info(rows[-1])
    lines = [
        "",
        "### One very long article: peak memory",
        "",
        f"- command: `python -m benchmarks.long_article --sizes {args.sizes}"
        f"{' --model ' + args.model if args.model else ''}`",
        f"- machine: {machine()}",
        "",
        *rows,
        "",
    ]
    append_section(args.doc, lines)


if __name__ == "__main__":
    main()
