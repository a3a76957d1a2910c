"""The documented rtqa dev subset: small enough to ingest and evaluate here in under 30 minutes.

Usage: python -m benchmarks.subset [--out DIR] [--every 8] [--lookalikes 15] [--distractors 400]

How it is built (deterministic: the same corpus gives the same files):

- questions: every 8th line of ``dev.jsonl`` (lines 0, 8, 16, ...), answerable or not;
- articles: each chosen question's evidence articles; its 15 nearest look-alikes in the whole
  corpus by BM25 over title and opening (2,000 characters) - the hard distractors the real
  search results are; and 400 other articles drawn with a fixed seed.

The files are written outside the project (the corpus is not ours to copy): ``DIR/dev.jsonl``
and ``DIR/articles.jsonl``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import random
from pathlib import Path

from benchmarks.paths import RTQA

logger = logging.getLogger(__name__)
DEFAULT_OUT = Path("/tmp/rtqa-subset")


def build(out: Path, every: int = 8, lookalikes: int = 15, distractors: int = 400) -> Path:
    import bm25s
    import Stemmer

    questions = [
        json.loads(line)
        for i, line in enumerate((RTQA / "dev.jsonl").read_text(encoding="utf-8").splitlines())
        if line.strip() and i % every == 0
    ]
    with gzip.open(RTQA / "articles.jsonl.gz", "rt", encoding="utf-8") as handle:
        articles = [json.loads(line) for line in handle if line.strip()]
    logger.info("%d questions, %d corpus articles", len(questions), len(articles))

    stemmer = Stemmer.Stemmer("english")
    texts = [f"{a['title']}\n{a['body'][:2000]}" for a in articles]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False))
    query_tokens = bm25s.tokenize(
        [q["question"] for q in questions], stopwords="en", stemmer=stemmer, show_progress=False
    )
    hits, _ = retriever.retrieve(query_tokens, k=lookalikes, show_progress=False)

    by_id = {a["id"]: i for i, a in enumerate(articles)}
    chosen: set[int] = set()
    for q, row in zip(questions, hits, strict=True):
        chosen.update(by_id[e["article_id"]] for e in q.get("evidence", []))
        chosen.update(int(i) for i in row)
    rest = sorted(set(range(len(articles))) - chosen)
    chosen.update(random.Random(0).sample(rest, distractors))

    out.mkdir(parents=True, exist_ok=True)
    with (out / "dev.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(q, ensure_ascii=False) + "\n" for q in questions)
    with (out / "articles.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(
            json.dumps(articles[i], ensure_ascii=False) + "\n" for i in sorted(chosen)
        )
    logger.info("wrote %d questions and %d articles to %s", len(questions), len(chosen), out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--every", type=int, default=8)
    parser.add_argument("--lookalikes", type=int, default=15)
    parser.add_argument("--distractors", type=int, default=400)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    build(args.out, args.every, args.lookalikes, args.distractors)


if __name__ == "__main__":
    main()
