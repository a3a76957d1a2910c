"""Metrics as plain functions: retrieval ranks, answer matching, percentiles.

Retrieval is scored on *articles*, not passages: the ranked list is the distinct article ids
of the retrieved passages, in order, each kept where it first appears (``distinct``). A
question is a hit at k when any of its evidence articles is among the first k of that list.

An answer "contains" the gold answer when the normalised gold occurs in the normalised answer
as whole words (``contains_answer``). Normalising folds case, accents, quote marks and dashes
and collapses white space; nothing else. So number formats stay strict: "104.5 F" does not
match "104.5F", "4,300" does not match "4300", and "Iran" does not match "Iranian".

Breakdowns group questions by quiz source and by the year of their ``question_date``
(``segments``); the same metrics are then computed over each group.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

# Typographic quote marks, apostrophes and dashes, folded to their ASCII forms.
_FOLD = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`´", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
    }
)


def normalize(text: str) -> str:
    """Fold ``text`` for matching: compatibility forms (NFKD), accents dropped, case folded,
    curly quotes and apostrophes made plain, dashes made hyphens, white space collapsed.

    >>> normalize("  Andrés  “Goblin mode” — Domino’s ")
    'andres "goblin mode" - domino\\'s'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().translate(_FOLD).split())


def contains_answer(text: str, gold: str) -> bool:
    """Whether the gold answer occurs in ``text`` as whole words, after ``normalize``.

    Double quotes are ignored on both sides (a gold ``"Succession"`` matches an answer that
    names Succession without quotes), and single quotes around the whole gold answer too.
    "Whole words": where the gold answer starts (ends) with a letter or digit, the character
    before (after) it in ``text`` must not be a letter or digit. An empty gold answer never
    matches.

    >>> contains_answer("Iranian drones were used.", "Iran")
    False
    >>> contains_answer("The record is 104.5 F (40.3C).", "104.5 f")
    True
    """
    needle = " ".join(normalize(gold).replace('"', " ").strip(" '").split())
    haystack = " ".join(normalize(text).replace('"', " ").split())
    if not needle:
        return False
    check_start = needle[0].isalnum()
    check_end = needle[-1].isalnum()
    start = haystack.find(needle)
    while start != -1:
        end = start + len(needle)
        before_ok = not (check_start and start > 0 and haystack[start - 1].isalnum())
        after_ok = not (check_end and end < len(haystack) and haystack[end].isalnum())
        if before_ok and after_ok:
            return True
        start = haystack.find(needle, start + 1)
    return False


def distinct(ids: Iterable[str]) -> list[str]:
    """``ids`` without repeats, each where it first appears."""
    return list(dict.fromkeys(ids))


def first_rank(
    ranked: Sequence[str], relevant: Collection[str], k: int | None = None
) -> int | None:
    """1-based rank of the first relevant id among the first ``k`` (all when ``None``)."""
    top = ranked if k is None else ranked[:k]
    for rank, item in enumerate(top, start=1):
        if item in relevant:
            return rank
    return None


def hit_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> bool:
    """Whether any relevant id is among the first ``k`` of ``ranked``."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return first_rank(ranked, relevant, k) is not None


def reciprocal_rank(ranked: Sequence[str], relevant: Collection[str], k: int = 10) -> float:
    """1 / rank of the first relevant id among the first ``k``; 0.0 when none is there."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    rank = first_rank(ranked, relevant, k)
    return 0.0 if rank is None else 1.0 / rank


def percentile(values: Iterable[float], q: float) -> float:
    """The ``q``-th percentile (0-100), interpolating linearly between the two nearest values
    (numpy's default method). ``ValueError`` for no values."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be between 0 and 100, got {q}")
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Iterable[float | bool]) -> float | None:
    """The average (booleans count 1 and 0); ``None`` for no values."""
    items = [float(v) for v in values]
    return sum(items) / len(items) if items else None


def year_of(date: dt.date | str | None) -> int | None:
    """The year of a date or an ISO date string (``"2022-06-10"``); ``None`` for no date.

    >>> year_of("2022-06-10")
    2022
    """
    if date is None or isinstance(date, dt.date):
        return None if date is None else date.year
    if not date.strip():
        return None
    return dt.date.fromisoformat(date.strip()[:10]).year


def segments(
    items: Iterable[T],
    source: Callable[[T], str | None],
    year: Callable[[T], int | None],
) -> dict[str, dict[str, list[T]]]:
    """``items`` grouped by quiz source and by year: ``{"source": {"CNN": [...], ...},
    "year": {"2022": [...], ...}}``, sources in alphabetical order (ignoring case), years in
    order, items in their given order within a group. An item whose source is ``None`` or
    empty is in no source group; one whose year is ``None``, in no year group.

    >>> questions = [("CNN", 2023), ("BBC", 2022), ("CNN", None)]
    >>> segments(questions, source=lambda q: q[0], year=lambda q: q[1])["source"]
    {'BBC': [('BBC', 2022)], 'CNN': [('CNN', 2023), ('CNN', None)]}
    """
    by_source: dict[str, list[T]] = {}
    by_year: dict[int, list[T]] = {}
    for item in items:
        name = source(item)
        if name:
            by_source.setdefault(name, []).append(item)
        when = year(item)
        if when is not None:
            by_year.setdefault(when, []).append(item)
    return {
        "source": {k: by_source[k] for k in sorted(by_source, key=lambda k: (k.casefold(), k))},
        "year": {str(k): by_year[k] for k in sorted(by_year)},
    }


# -- ranks of several gold items --------------------------------------------------------


def rank_scores(ranks: Sequence[int | None], k: int) -> dict[str, float]:
    """hit, recall, reciprocal rank and nDCG at ``k`` from the 1-based ranks at which each
    gold item was found (``None``: not retrieved), binary relevance.

    ``recall`` is the share of the gold items within the first ``k``; nDCG's ideal puts the
    gold items first (``min(len(ranks), k)`` of them), and is capped at 1 when two items are
    found at the same rank (two quotes in one passage). Empty ``ranks`` score 0.

    >>> rank_scores([2, None], k=5)["recall"]
    0.5
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    found = [r for r in ranks if r is not None and r <= k]
    if not ranks:
        return {"hit": 0.0, "recall": 0.0, "rr": 0.0, "ndcg": 0.0}
    dcg = sum(1.0 / math.log2(r + 1) for r in found)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(ranks), k) + 1))
    return {
        "hit": float(bool(found)),
        "recall": len(found) / len(ranks),
        "rr": 1.0 / min(found) if found else 0.0,
        "ndcg": min(1.0, dcg / ideal),
    }


def item_ranks(ranked: Sequence[str], relevant: Sequence[str]) -> list[int | None]:
    """The 1-based rank of each relevant id in ``ranked`` (``None`` when absent)."""
    position = {item: i for i, item in reversed(list(enumerate(ranked, start=1)))}
    return [position.get(item) for item in relevant]


def recall_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Share of the relevant ids among the first ``k`` of ``ranked`` (0.0 for none)."""
    return rank_scores(item_ranks(ranked, list(dict.fromkeys(relevant))), k)["recall"]


def ndcg_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Binary-relevance nDCG at ``k`` of ``ranked`` against the relevant ids."""
    return rank_scores(item_ranks(ranked, list(dict.fromkeys(relevant))), k)["ndcg"]


def quote_key(text: str) -> str:
    """``text`` folded for finding a quote in a passage: ``normalize``, with quote marks
    dropped and the final full stop taken off."""
    return " ".join(normalize(text).replace('"', " ").split()).rstrip(" .!?;:")


def quote_in(quote: str, passage: str) -> bool:
    """Whether the (normalised) gold ``quote`` lies inside ``passage``; an empty quote never
    does."""
    needle = quote_key(quote)
    return bool(needle) and needle in " ".join(normalize(passage).replace('"', " ").split())


# -- answers, SQuAD style ------------------------------------------------------------------

_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_PUNCT = re.compile(r"[^\w\s]")
_MARKS = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")


def strip_marks(text: str) -> str:
    """An answer without its ``[n]`` citation marks."""
    return " ".join(_MARKS.sub("", text).split())


def squad_normalize(text: str) -> str:
    """SQuAD's answer normalisation (lower case, no punctuation, no a/an/the, single spaces),
    after ``normalize`` (accents, quotes, dashes folded)."""
    text = _PUNCT.sub(" ", normalize(text))
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    """1.0 when the prediction equals one accepted answer after ``squad_normalize``."""
    got = squad_normalize(prediction)
    return float(any(got == squad_normalize(a) for a in answers if a.strip()))


def token_f1(prediction: str, answers: Sequence[str]) -> float:
    """SQuAD token F1 against the best of the accepted answers (0.0 when there is none)."""
    got = squad_normalize(prediction).split()
    best = 0.0
    for answer in answers:
        gold = squad_normalize(answer).split()
        if not gold or not got:
            continue
        common = sum((Counter(got) & Counter(gold)).values())
        if common:
            precision, recall = common / len(got), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


# -- confidence intervals ----------------------------------------------------------------

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0


def _statistic(name: str) -> Callable[[Any], Any]:
    import numpy as np

    if name == "mean":
        return lambda a: np.mean(a, axis=-1)
    if name == "max":
        return lambda a: np.max(a, axis=-1)
    if name.startswith("p"):
        q = float(name[1:])
        return lambda a: np.percentile(a, q, axis=-1)
    raise ValueError(f"unknown statistic {name!r}: mean, max or pNN")


def bootstrap_ci(
    values: Sequence[float],
    statistic: str = "mean",
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> tuple[float, float] | None:
    """The percentile bootstrap interval of ``statistic`` (``mean``, ``max`` or ``p50``,
    ``p95``, ...) over ``values``: ``resamples`` resamples with replacement, seeded, so the
    same values always give the same interval. ``None`` for no values."""
    import numpy as np

    if not len(values):
        return None
    data = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    stats = _statistic(statistic)(data[rng.integers(0, len(data), (resamples, len(data)))])
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(stats, [tail, 100 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class PairedDelta:
    """B minus A over the paired questions, with its bootstrap interval and p-value."""

    n: int
    a: float
    b: float
    delta: float
    low: float
    high: float
    p_value: float  # two-sided: how often the resampled delta falls on the other side of 0

    @property
    def significant(self) -> bool:
        return self.n > 0 and (self.low > 0 or self.high < 0)


def paired_bootstrap(
    a: Sequence[float],
    b: Sequence[float],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> PairedDelta:
    """The paired bootstrap of ``mean(b) - mean(a)``: ``a[i]`` and ``b[i]`` are the same
    question in two runs, and each resample draws questions (both values together)."""
    import numpy as np

    if len(a) != len(b):
        raise ValueError(f"paired values differ in length: {len(a)} and {len(b)}")
    if not len(a):
        return PairedDelta(0, math.nan, math.nan, 0.0, 0.0, 0.0, 1.0)
    diff = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), (resamples, len(diff)))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    delta = float(diff.mean())
    if np.all(diff == 0):
        p = 1.0
    else:
        p = float(min(1.0, 2 * min(np.mean(means <= 0), np.mean(means >= 0))))
    return PairedDelta(
        len(diff), float(np.mean(a)), float(np.mean(b)), delta, float(low), float(high), p
    )
