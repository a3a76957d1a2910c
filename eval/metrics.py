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
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TypeVar

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
