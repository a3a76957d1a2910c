"""`make bench`: evaluate on an rtqa set, append the numbers to docs/benchmarks.md and write
bench-out/eval-SET/report.json and report.html.

Usage: python -m benchmarks.run [--set small] [--store DIR]

The store is kept in bench-out/ so a second run skips the ingest (unchanged articles).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import pickle
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from eval.html import write_html
from eval.report import Report
from eval.run import run_eval
from index.embed import Embedder
from qa.assistant import Assistant
from qa.config import Settings

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[1]
RTQA = REPO.parent / "shared" / "data" / "rtqa"
SETS = {
    "small": (RTQA / "small" / "dev.jsonl", RTQA / "small" / "articles.jsonl"),
    "dev": (RTQA / "dev.jsonl", RTQA / "articles.jsonl.gz"),
    # benchmarks/subset.py builds it (every 8th dev question with its look-alikes)
    "subset": (Path("/tmp/rtqa-subset/dev.jsonl"), Path("/tmp/rtqa-subset/articles.jsonl")),
    # every 2nd dev question with its look-alikes (python -m benchmarks.subset --every 2):
    # what benchmarks/tune_trust.py fits on, by a time split
    "half": (Path("/tmp/rtqa-half/dev.jsonl"), Path("/tmp/rtqa-half/articles.jsonl")),
}
SUBSET_EVERY = {"subset": 8, "half": 2}


def shown(path: Path) -> str:
    """A path as the docs show it: relative to the folder holding the repo when inside it."""
    return str(path.relative_to(REPO.parent)) if path.is_relative_to(REPO.parent) else str(path)


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
    from index.store import Store

    embedder = Embedder()
    Ingestor(Store(store), embedder=embedder).ingest_paths([articles])
    assistant = Assistant(Settings.load(store=store), embedder=embedder)
    if cache is not None and cache.exists():
        items: list[T] = pickle.loads(cache.read_bytes())
        return assistant, items
    rows = [json.loads(line) for line in gold.read_text("utf-8").splitlines() if line]
    items = collect(assistant, rows)
    if cache is not None:
        cache.write_bytes(pickle.dumps(items))
    return assistant, items


def later_half(report: Report) -> list[str]:
    """The same metrics over the later half of the questions by ``question_date`` (the
    weeks after those the fitted weights and thresholds saw first), as doc lines."""
    dates = sorted({r.question_date for r in report.results if r.question_date})
    if len(dates) < 2:
        return []
    cut = dates[len(dates) // 2]
    late = [r for r in report.results if r.question_date and r.question_date >= cut]
    half = Report(config=dict(report.config), ingest=None, results=late)
    return [
        f"Later half of the time split (questions dated {cut} or later). Where the shipped "
        "models were fitted on this set's questions (the half set: benchmarks.tune_trust) "
        "these figures are in-sample; the held-out ones are in the tune_trust section:",
        "",
        "```",
        half.table(),
        "```",
        "",
    ]


def main() -> None:
    args, gold, articles, store = bench_args(__doc__)
    out = REPO / "bench-out" / f"eval-{args.set}"
    started = time.perf_counter()
    report = run_eval(gold, articles=[articles], store=store, out=out)
    seconds = time.perf_counter() - started
    html = write_html(report.to_dict(), out / "report.html")
    command = (
        f"article-qa eval {shown(gold)} --articles {shown(articles)} --store {store} --out {out}"
    )
    section = [
        "",
        f"### rtqa {args.set}: {dt.date.today().isoformat()} (`make bench`)",
        "",
        f"- command: `{command}`",
        f"- machine: {machine()}",
        f"- wall time: {seconds:.0f} s (ingest included; a kept store skips unchanged articles)",
        f"- report: `{html}` (every failure explained; not committed, `bench-out/` is local)",
        "",
        "```",
        report.table(),
        "```",
        "",
        *later_half(report),
    ]
    with args.doc.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(section))
    logging.getLogger(__name__).info("appended results to %s", args.doc)


if __name__ == "__main__":
    main()
