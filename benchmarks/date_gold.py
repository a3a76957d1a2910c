"""The hand-checked set of relative dates in real news sentences (issue 19), and its sampler.

Usage:
  python -m benchmarks.date_gold sample --out FILE [--count 260] [--seed 19] [--exclude GOLD]
  python -m benchmarks.date_gold show FILE          (the sentences, for labelling by hand)

``sample`` draws sentences of rtqa articles (published 2020 or later) that hold a time
phrase a reader must resolve against the publication date ("on Thursday", "last week",
"yesterday", "three days ago", "March 3" without a year), a fixed share of each kind, one
phrase a sentence, and writes one JSON object a line: the article's id and publication date,
the sentence's offsets in the article's ``body`` and the phrase's offsets in the sentence.
No article text is written: ``show`` and ``benchmarks.dates`` read it from the shared
corpus by those offsets. The finder here is deliberately plain and separate from
``qa.when`` so that the sample does not lean towards what the resolver already knows.

Labels were added by hand (``date``, ``until``, ``precision``, or ``"unresolved": true``
where the sentence itself does not say which day is meant) to
``benchmarks/data/dates.jsonl``; ``benchmarks.dates`` scores the resolver on it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.paths import RTQA
from index.sentences import sentence_spans

GOLD = Path(__file__).resolve().parent / "data" / "dates.jsonl"

_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_MONTH = (
    r"(?:jan(?:uary|\.)?|feb(?:ruary|\.)?|march|april|may|june|july|aug(?:ust|\.)?|"
    r"sept?(?:ember|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?)"
)
KINDS = {
    "weekday": (rf"\b(?:(?:last|next|this|this past|on|early|late)\s+)?{_WEEKDAY}\b", 0.38),
    "near": (
        r"\b(?:yesterday|today|tonight|tomorrow|last night|this (?:morning|afternoon|evening))\b",
        0.17,
    ),
    "period": (
        r"\b(?:(?:earlier|later)\s+)?(?:last|this|next|this past)\s+"
        r"(?:week|weekend|month|year)\b",
        0.2,
    ),
    "ago": (r"\b(?:\w+|\d+)\s+(?:days?|weeks?|months?|years?)\s+ago\b", 0.1),
    "yearless": (rf"\b{_MONTH}\s+\d{{1,2}}\b(?!,?\s*\d{{4}})(?!\d)", 0.15),
}
_PATTERNS = {kind: re.compile(p, re.IGNORECASE) for kind, (p, _) in KINDS.items()}


def articles() -> Iterator[dict[str, Any]]:
    with gzip.open(RTQA / "articles.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def candidates(article: dict[str, Any]) -> Iterator[dict[str, Any]]:
    body = article["body"]
    for start, end in sentence_spans(body):
        sentence = body[start:end]
        if not 8 <= len(sentence.split()) <= 70:
            continue
        for kind, pattern in _PATTERNS.items():
            found = pattern.search(sentence)
            if found:
                yield {
                    "article_id": article["id"],
                    "published": article["published_at"],
                    "start": start,
                    "end": end,
                    "mention": [found.start(), found.end()],
                    "kind": kind,
                }
                break


def sample(count: int, seed: int, exclude: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    pools: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    for article in articles():
        if not (article.get("published_at") or "") >= "2020" or article["id"] in exclude:
            continue
        found = list(candidates(article))
        if found:  # one sentence an article: the set spans many articles
            item = rng.choice(found)
            pools[item["kind"]].append(item)
    chosen = []
    for kind, (_, share) in KINDS.items():
        chosen += rng.sample(pools[kind], min(len(pools[kind]), round(count * share)))
    rng.shuffle(chosen)
    return chosen


def texts(items: list[dict[str, Any]]) -> dict[str, str]:
    """The bodies of the items' articles, by id."""
    wanted = {item["article_id"] for item in items}
    return {a["id"]: a["body"] for a in articles() if a["id"] in wanted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("sample")
    make.add_argument("--out", type=Path, required=True)
    make.add_argument("--count", type=int, default=260)
    make.add_argument("--seed", type=int, default=19)
    make.add_argument("--exclude", type=Path, help="a gold file whose articles are left out")
    view = sub.add_parser("show")
    view.add_argument("file", type=Path)
    args = parser.parse_args()
    if args.command == "sample":
        used = frozenset(
            json.loads(line)["article_id"]
            for line in (args.exclude.read_text("utf-8").splitlines() if args.exclude else [])
            if line
        )
        items = sample(args.count, args.seed, used)
        args.out.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
        return
    items = [json.loads(line) for line in args.file.read_text("utf-8").splitlines() if line]
    bodies = texts(items)
    for n, item in enumerate(items):
        sentence = bodies[item["article_id"]][item["start"] : item["end"]]
        a, b = item["mention"]
        marked = f"{sentence[:a]}[[{sentence[a:b]}]]{sentence[b:]}"
        sys.stdout.write(f"{n}\t{item['published']}\t{marked}\n")


if __name__ == "__main__":
    main()
