"""Where the benchmarks read and write: the repository, the shared rtqa data and its sets."""

from __future__ import annotations

from pathlib import Path

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
