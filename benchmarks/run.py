"""`make bench`: evaluate on an rtqa set, append the numbers to docs/benchmarks.md and write
bench-out/eval-SET/report.json and report.html.

Usage: python -m benchmarks.run [--set small] [--store DIR]

The store is kept in bench-out/ so a second run skips the ingest (unchanged articles).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from benchmarks.common import bench_args, machine
from benchmarks.paths import REPO, shown
from eval.html import write_html
from eval.report import Report
from eval.run import run_eval


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
