"""What every benchmark shares: its options, the machine line, the embedder, the results
section appended to docs/benchmarks.md, and a tuner's cached first step."""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.paths import REPO, SETS, SUBSET_EVERY
from index.embed import Embedder
from qa.assistant import Assistant
from qa.config import Settings

T = TypeVar("T")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}"


def bench_args(
    description: str | None, extend: Callable[[argparse.ArgumentParser], object] | None = None
) -> tuple[argparse.Namespace, Path, Path, Path]:
    """The options every benchmark takes, and those ``extend`` adds: ``(args, gold, articles,
    store)``."""
    parser = argparse.ArgumentParser(description=description)
    if extend is not None:
        extend(parser)
    parser.add_argument("--set", choices=sorted(SETS), default="small")
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument(
        "--precomputed",
        type=Path,
        default=None,
        help="a folder with texts/ and vectors/ from benchmarks.precompute: vectors computed "
        "elsewhere for the texts this benchmark embeds",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    gold, articles = SETS[args.set]
    if args.set in SUBSET_EVERY and not (gold.exists() and articles.exists()):
        from benchmarks.subset import build

        build(gold.parent, every=SUBSET_EVERY[args.set])
    return args, gold, articles, args.store or REPO / "bench-out" / f"store-{args.set}"


def bench_embedder(args: argparse.Namespace) -> Embedder:
    """The embedding model, with the vectors of ``--precomputed`` when given."""
    if args.precomputed is None:
        return Embedder()
    from benchmarks.precompute import CachedEmbedder, load_table

    return CachedEmbedder(load_table(args.precomputed / "texts", args.precomputed / "vectors"))


def append_section(doc: Path, lines: list[str]) -> None:
    """Append a results section (markdown lines) to ``doc`` and log it."""
    with doc.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    logging.getLogger("benchmarks").info("\n".join(lines))


def cache_option(parser: argparse.ArgumentParser) -> None:
    """A tuner's ``--cache FILE``: the pickle of its slow first step, reused."""
    parser.add_argument("--cache", type=Path, default=None, help="pickle of step 1, reused")


def tuning_items(
    store: Path,
    articles: Path,
    gold: Path,
    collect: Callable[[Assistant, list[dict[str, Any]]], list[T]],
    cache: Path | None = None,
) -> tuple[Assistant, list[T]]:
    """The default assistant over ``store`` (``articles`` ingested first, unchanged ones
    skipped) and what ``collect`` makes of it and the ``gold`` questions: the slow part of
    a tuner, pickled to ``cache`` and read back from it next time."""
    from index.ingest import Ingestor
    from index.store import open_store

    embedder = Embedder()
    Ingestor(open_store(store), embedder=embedder).ingest_paths([articles])
    assistant = Assistant(Settings.load(store=store), embedder=embedder)
    if cache is not None and cache.exists():
        items: list[T] = pickle.loads(cache.read_bytes())
        return assistant, items
    rows = [json.loads(line) for line in gold.read_text("utf-8").splitlines() if line]
    items = collect(assistant, rows)
    if cache is not None:
        cache.write_bytes(pickle.dumps(items))
    return assistant, items
