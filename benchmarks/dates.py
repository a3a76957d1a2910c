"""Relative dates resolved in real news sentences (issue 19): ``qa.when`` against the
hand-checked set ``benchmarks/data/dates.jsonl`` (made with ``benchmarks.date_gold``).

Usage: python -m benchmarks.dates [--doc FILE] [--failures PART|all] [--cache FILE]

Each item is a sentence of an rtqa article, read from the shared corpus by its offsets, with
one time phrase and what it means, judged by hand against the article's publication date:
the days meant (``date`` to ``until``), ``not_a_date`` (a name such as "USA TODAY", a habit
such as "every Monday") or ``unresolved`` (the publication date cannot pin it). An item is
right when the resolver gives exactly those days for a phrase overlapping the marked one;
nothing there for ``not_a_date``; nothing resolved for ``unresolved``. The items come in
parts, each of other articles than the parts before, each labelled by readers who never saw
the resolver, and each scored once, blind, before its failures were studied (``PARTS``):

- ``dev`` (``n`` < 400): the first rules were written looking at these;
- ``held-out`` (400-519): first scored 0.908;
- ``blind-2`` (520-759, ``sample --seed 2026``): first scored 0.896;
- ``blind-3`` (760-999, ``sample --seed 2027``): first scored 0.925;
- ``blind-4`` (1000-1239, ``sample --seed 2028``): first scored 0.917; its items also
  carry a ``second`` reader's label, for the readers' agreement;
- ``blind-5`` (1240-1479, ``sample --seed 2029``): first scored 0.883;
- ``blind-6`` (1480-1719, ``sample --seed 2030``): labelled after the last rules of session 12
  were frozen: first scored 0.925;
- ``blind-7`` (1720-1959, ``sample --seed 2031``): labelled in session 13 while the rules were
  frozen: first scored 0.929 (its dated items 0.967);
- ``blind-8`` (1960-2199, ``sample --seed 2032``): labelled after blind-7's mends were frozen:
  first scored 0.908 (its dated items 0.914);
- ``blind-9`` (2200-2439, ``sample --seed 2033``): labelled after blind-8's mends were frozen:
  first scored 0.875 (its dated items 0.915);
- ``blind-10`` (2440-2679, ``sample --seed 2034``): labelled after blind-9's mends and a
  review's were frozen: first scored 0.904 (its dated items 0.929); its misses read, none
  mended.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import append_section, machine
from benchmarks.date_gold import GOLD, texts
from benchmarks.paths import REPO
from qa.when import DateMention, resolve_dates

log = logging.getLogger("dates")

PARTS = (
    (0, "dev"),
    (400, "held-out"),
    (520, "blind-2"),
    (760, "blind-3"),
    (1000, "blind-4"),
    (1240, "blind-5"),
    (1480, "blind-6"),
    (1720, "blind-7"),
    (1960, "blind-8"),
    (2200, "blind-9"),
    (2440, "blind-10"),
)


def part(n: int) -> str:
    return [name for first, name in PARTS if n >= first][-1]


def verdict(item: dict[str, Any], sentence: str) -> tuple[bool, list[DateMention]]:
    """Whether the resolver reads the item's phrase as the gold does, and what it found."""
    published = dt.date.fromisoformat(item["published"])
    a, b = item["mention"]
    found = [m for m in resolve_dates(sentence, published) if m.start < b and a < m.end]
    resolved = [m for m in found if m.resolved]
    if item["label"] == "not_a_date":
        return not found, found
    if item["label"] == "unresolved":
        return not resolved, found
    want = (dt.date.fromisoformat(item["date"]), dt.date.fromisoformat(item["until"]))
    return any((m.date, m.until) == want for m in resolved), found


def agreement(items: list[dict[str, Any]]) -> float:
    """The share of ``items`` whose ``second`` reader's label is the first's."""

    def read(label: dict[str, Any]) -> tuple[Any, ...]:
        days = (label["date"], label["until"]) if label["label"] == "date" else ()
        return (label["label"], *days)

    return sum(read(item) == read(item["second"]) for item in items) / max(len(items), 1)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--failures", choices=(*(name for _, name in PARTS), "all"))
    parser.add_argument("--cache", type=Path, help="JSON of the items' article bodies, reused")
    args = parser.parse_args()
    items = [json.loads(line) for line in GOLD.read_text("utf-8").splitlines() if line]
    if args.cache and args.cache.exists():
        bodies = json.loads(args.cache.read_text("utf-8"))
    else:
        bodies = texts(items)
        if args.cache:
            args.cache.write_text(json.dumps(bodies), encoding="utf-8")
    started = time.perf_counter()
    score: dict[tuple[str, str], list[bool]] = collections.defaultdict(list)
    hedged: list[tuple[bool, bool]] = []  # (the reading shown first, the other) right
    for item in items:
        sentence = bodies[item["article_id"]][item["start"] : item["end"]]
        right, found = verdict(item, sentence)
        other = [m.alternative.isoformat() for m in found if m.alternative]
        if other:
            days = (item.get("date"), item.get("until"))
            hedged.append((right, item["label"] == "date" and days == (other[0], other[0])))
        half = part(item["n"])
        for key in ("all", item["label"], f"kind {item['kind']}"):
            score[(half, key)].append(right)
            score[("all", key)].append(right)
        if not right and args.failures in (half, "all"):
            a, b = item["mention"]
            sys.stdout.write(
                f"{item['n']} {item['published']} gold {item['label']} {item.get('date')}.."
                f"{item.get('until')} got {[(m.text, m.label) for m in found]}\n"
                f"    {sentence[:a]}[[{sentence[a:b]}]]{sentence[b:]}\n"
            )
    seconds = time.perf_counter() - started
    twice = [item for item in items if "second" in item]
    keys = sorted({key for _, key in score}, key=lambda k: (k != "all", k))
    rows = [
        f"| {key} | "
        + " | ".join(
            f"{sum(score[(h, key)]) / len(score[(h, key)]):.3f} ({len(score[(h, key)])})"
            if score[(h, key)]
            else "-"
            for h in (*(name for _, name in PARTS), "all")
        )
        + " |"
        for key in keys
    ]
    lines = [
        "",
        f"### Relative dates resolved, hand-checked rtqa sentences ({dt.date.today()})",
        "",
        "- command: `python -m benchmarks.dates`",
        f"- machine: {machine()}",
        f"- {len(items)} sentences of {len(bodies)} articles, one time phrase each; "
        f"resolving them all took {seconds:.2f} s",
        f"- {len(hedged)} bare weekdays in a sentence without a tense are shown with their "
        f'other reading too ("Mon 9 Mar (or Mon 16 Mar, if still to come)"): the first '
        f"reading is right for {sum(a for a, _ in hedged)}, the other for "
        f"{sum(b for _, b in hedged)}",
        f"- two readers, labelling apart, agree on {agreement(twice):.3f} of the "
        f"{len(twice)} items both labelled (the same verdict: days, name or unresolved)",
        "",
        "| items | " + " | ".join(name for _, name in PARTS) + " | all |",
        "|---|" + "---|" * (len(PARTS) + 1),
        *rows,
        "",
    ]
    append_section(args.doc, lines)


if __name__ == "__main__":
    main()
