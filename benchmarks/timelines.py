"""Timelines (issue 19): "How did X unfold?" scored against hand-checked stories.

Usage: python -m benchmarks.timelines [--doc FILE] [--distractors 300]

The gold, ``benchmarks/data/timelines.jsonl``, holds one story a line: its ``collection``
("samples": the bundled sample collection; "rtqa": the shared corpus), the question, every
article about the story, and its dated developments (the day each happened, in the gold's
own words, with a few keywords a sentence telling it holds, and the articles that tell it),
each found by reading the articles. ``split``: "tuned" stories were looked at while the
timeline's thresholds were chosen, "held-out" ones (written after) were only scored. The
samples are asked of a store of the sample collection; the rtqa stories of a store holding
their articles and ``--distractors`` other rtqa articles drawn at random (seed 19). Each
story is asked as users ask (no reference date) and as of the day after its last article
(a timeline reads every date alike, so the two agree). Scored, over all entries of all stories:

- on the story: the entry's article (or one of its copies) is one of the story's articles;
- right date: of the entries that tell a gold development (all its keywords in the quote),
  those dated that development's day (a sentence that tells several, "contained on Sunday,
  twelve days after it broke out", is right when dated as one of them, and is counted as
  telling that one);
- in order: of consecutive pairs of such entries, those whose gold days do not go back;
- found: developments told by an entry (its keywords), or dated that day by an entry from
  one of the articles that tell it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import itertools
import json
import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import append_section, machine
from benchmarks.paths import REPO, RTQA
from eval.metrics import normalize

log = logging.getLogger("timelines")

GOLD = Path(__file__).resolve().parent / "data" / "timelines.jsonl"
SAMPLES = REPO / "samples" / "articles"


@dataclass
class Tally:
    entries: int = 0
    on_story: int = 0
    telling: int = 0  # entries that tell a gold development
    right_date: int = 0
    pairs: int = 0
    ordered: int = 0
    developments: int = 0
    found: int = 0
    abstained: int = 0
    rows: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in (
            "entries on_story telling right_date pairs ordered developments found abstained"
        ).split():
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.2f} ({part}/{whole})" if whole else "-"


def _tells(quote: str, development: dict[str, Any]) -> bool:
    text = normalize(quote)
    return all(normalize(k) in text for k in development["keywords"])


def score(story: dict[str, Any], answer: Any) -> Tally:
    """The story's tally for one timeline answer."""
    tally = Tally(developments=len(story["developments"]), abstained=int(answer.abstained))
    cited = {c.n: c for c in answer.citations}
    articles = set(story["articles"])
    told: list[dt.date] = []  # the gold day of each entry that tells a development, in order
    found: set[int] = set()
    days = [dt.date.fromisoformat(d["date"]) for d in story["developments"]]
    for entry in answer.timeline:
        c = cited[entry.n]
        sources = {c.article_id, *entry.copies}
        tally.entries += 1
        tally.on_story += bool(sources & articles)

        def dated(day: dt.date, entry: Any = entry) -> bool:
            return entry.date is not None and entry.date <= day <= (entry.until or entry.date)

        telling = [i for i, d in enumerate(story["developments"]) if _tells(c.quote, d)]
        if telling:  # a sentence may tell several: it is right when dated as one of them
            i = next((i for i in telling if dated(days[i])), telling[0])
            tally.telling += 1
            tally.right_date += dated(days[i])
            told.append(days[i])
            found.add(i)
        found.update(
            i
            for i, d in enumerate(story["developments"])
            if entry.date == days[i] and sources & set(d["articles"])
        )
    tally.pairs = max(0, len(told) - 1)
    tally.ordered = sum(a <= b for a, b in itertools.pairwise(told))
    tally.found = len(found)
    return tally


def _rtqa_source(stories: list[dict[str, Any]], distractors: int, out: Path) -> Path:
    """A .jsonl of the rtqa stories' articles and ``distractors`` others drawn at random."""
    wanted = {a for s in stories for a in s["articles"]}
    rng = random.Random(19)
    chosen: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    with gzip.open(RTQA / "articles.jsonl.gz", "rt", encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            article = json.loads(line)
            if article["id"] in wanted:
                chosen.append(article)
            elif len(others) < distractors:
                others.append(article)
            elif (pick := rng.randrange(n + 1)) < distractors:  # reservoir sampling
                others[pick] = article
    missing = wanted - {a["id"] for a in chosen}
    if missing:
        raise SystemExit(f"{GOLD}: articles not in the corpus: {sorted(missing)}")
    out.write_text("".join(json.dumps(a) + "\n" for a in chosen + others), encoding="utf-8")
    return out


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--distractors", type=int, default=300)
    args = parser.parse_args()
    from index.ingest import Ingestor
    from index.store import open_store
    from qa.assistant import Assistant
    from qa.config import Settings

    stories = [json.loads(line) for line in GOLD.read_text("utf-8").splitlines() if line]
    out = REPO / "bench-out"
    out.mkdir(exist_ok=True)
    sources = {"samples": SAMPLES}
    rtqa = [s for s in stories if s["collection"] == "rtqa"]
    if rtqa:
        sources["rtqa"] = _rtqa_source(rtqa, args.distractors, out / "timelines-rtqa.jsonl")
    started = time.perf_counter()
    totals = {
        (split, mode): Tally() for split in ("tuned", "held-out") for mode in ("undated", "dated")
    }
    rows = []
    for collection, path in sources.items():
        # a store per set of articles (a changed gold or --distractors gets a new one)
        digest = hashlib.sha1(path.read_bytes() if path.is_file() else b"samples").hexdigest()
        store_path = out / f"store-timelines-{collection}-{digest[:10]}"
        Ingestor(open_store(store_path)).ingest_paths([path], progress=False)
        assistant = Assistant(Settings.load(env={}, store=store_path))
        for story in (s for s in stories if s["collection"] == collection):
            last = max(dt.date.fromisoformat(d["date"]) for d in story["developments"])
            cells = []
            for mode, reference in (("undated", None), ("dated", last + dt.timedelta(days=1))):
                answer = assistant.ask(story["question"], reference_date=reference, timeline=True)
                tally = score(story, answer)
                totals[(story["split"], mode)].add(tally)
                cells.append(
                    f"{tally.entries} | {_share(tally.on_story, tally.entries)} | "
                    f"{_share(tally.right_date, tally.telling)} | "
                    f"{_share(tally.ordered, tally.pairs)} | "
                    f"{_share(tally.found, tally.developments)}"
                )
            rows.append(
                f"| {collection}: {story['story']} ({story['split']}) | {cells[0]} | {cells[1]} |"
            )
    for key, total in totals.items():
        log.info("%s: %s", key, total)
    all_rows = [
        f"| {split}, {mode} | {t.entries} | {_share(t.on_story, t.entries)} | "
        f"{_share(t.right_date, t.telling)} | {_share(t.ordered, t.pairs)} | "
        f"{_share(t.found, t.developments)} |"
        for (split, mode), t in totals.items()
    ]
    append_section(
        args.doc,
        [
            "",
            f"### Timelines, hand-checked stories ({dt.date.today()})",
            "",
            f"- command: `python -m benchmarks.timelines --distractors {args.distractors}`",
            f"- machine: {machine()}; wall time {time.perf_counter() - started:.0f} s",
            f"- {len(stories)} stories ({len(rtqa)} from rtqa, with {args.distractors} other "
            "rtqa articles in their store); each asked undated (as users ask) and as of the "
            "day after its last development",
            "",
            "Per story, undated | dated: entries, on the story, right date (of the entries "
            "telling a gold development), in order (consecutive pairs of those), developments "
            "found.",
            "",
            "| story | entries | on story | right date | in order | found "
            "| entries | on story | right date | in order | found |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "| stories | entries | on story | right date | in order | found |",
            "|---|---|---|---|---|---|",
            *all_rows,
            "",
        ],
    )


if __name__ == "__main__":
    main()
