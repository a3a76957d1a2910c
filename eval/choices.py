"""Multiple choice: pick the choice an answer and its passages support best.

A quiz question comes with choices ("Hezbollah", "Boko Haram", "al Qaeda", "ISIS"). The
assistant answers in sentences; :func:`pick_choice` turns that into one of the choices, looking
in order of trust and stopping at the first place that tells them apart:

1. the answer's short answer phrase ("$412 million", :attr:`qa.types.Answer.short_answer`),
   then its whole text (unless it abstained): a choice that occurs in it as whole words beats
   one that does not, a longer such choice beats a shorter one it contains ("Iran and Iraq"
   over "Iran"). Only whole occurrences count here: "New Jersey" in the answer is no support
   for "New York";
2. the cited sentences, the same way;
3. the retrieved passages: whole-word occurrences, each worth 1/rank of its passage, plus half
   that for partial matches (the share of the choice's words); then the share of each
   choice's words in the answer;
4. MiniLM similarity of the choice to the cited sentences (or, without any, the first five
   passages), only when an embedder is given and the choices still tie.

Matching folds case, accents, quote marks and punctuation, reads number words up to twenty
as digits ("nine" as "9"), and compares whole words. The same
input always gives the same pick; when nothing tells the choices apart the first one is taken
(``level`` is then ``"none"``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.embed import Embedder
    from qa.types import Answer

_STOP = frozenset("a an the of and or in on at to for by with from as is are was were".split())
_FOLD = str.maketrans({**dict.fromkeys("‘’‚‛′`´", "'"), **dict.fromkeys("“”„‟″«»", '"')})
LEVELS = ("short_answer", "answer", "citations", "passages", "similarity")


# Number words read as their digits, so that "nine years" supports the choice "9".
_NUMBERS = {
    word: str(n)
    for n, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}


def words(text: str) -> list[str]:
    """``text`` as folded words: accents dropped, case folded, punctuation a separator,
    number words up to twenty as digits."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    found = re.findall(r"\w+", plain.casefold().translate(_FOLD).replace("'", ""))
    return [_NUMBERS.get(w, w) for w in found]


def occurs(choice: Sequence[str], text: Sequence[str]) -> bool:
    """Whether the word sequence ``choice`` occurs in ``text`` as a run of whole words."""
    n = len(choice)
    if not n:
        return False
    first = choice[0]
    return any(
        text[i] == first and list(text[i : i + n]) == list(choice) for i in range(len(text) - n + 1)
    )


def _share(choice: Sequence[str], text: Sequence[str]) -> float:
    content = [w for w in choice if w not in _STOP] or list(choice)
    if not content:
        return 0.0
    bag = set(text)
    return sum(w in bag for w in content) / len(content)


@dataclass(frozen=True)
class ChoicePick:
    """The choice picked (``index`` into the choices), and where the evidence came from."""

    index: int
    choice: str
    level: str  # "short_answer", "answer", "citations", "passages", "similarity" or "none"
    scores: tuple[tuple[float, ...], ...]  # per choice: the key it was ranked by


def pick_choice(
    choices: Sequence[str],
    *,
    answer: str = "",
    short_answer: str = "",
    abstained: bool = False,
    quotes: Sequence[str] = (),
    passages: Sequence[str] = (),
    embedder: Embedder | None = None,
) -> ChoicePick | None:
    """The choice best supported by ``answer``, its cited ``quotes`` and the retrieved
    ``passages`` (best first); ``None`` when there are no choices (see the module doc)."""
    if not choices:
        return None
    folded = [words(c) for c in choices]
    answer_words = [] if abstained else words(answer)
    short_words = [] if abstained else words(short_answer)
    quote_words = [w for q in quotes for w in [*words(q), "\x00"]]  # no run across quotes
    passage_words = [words(p) for p in passages]

    def level(text: list[str]) -> list[tuple[float, float]]:
        out = []
        hits = [occurs(c, text) for c in folded]
        for c, hit in zip(folded, hits, strict=True):
            # "Iran and Iraq" over "Iran" when both occur; a longer choice that merely
            # occurs too ("Taylor Swift" beside "Rihanna") gains nothing
            inner = hit and any(
                h and o != c and occurs(o, c) for o, h in zip(folded, hits, strict=True)
            )
            out.append((float(hit), float(inner)))
        return out

    def support(c: list[str]) -> float:
        total = 0.0
        for rank, text in enumerate(passage_words, start=1):
            total += (1.0 if occurs(c, text) else 0.5 * _share(c, text)) / rank
        return total

    keys: list[list[float]] = [[] for _ in choices]
    parts = [
        ("short_answer", [list(k) for k in level(short_words)]),
        ("answer", [list(k) for k in level(answer_words)]),
        ("citations", [list(k) for k in level(quote_words)]),
        ("passages", [[round(support(c), 6)] for c in folded]),
        # still tied (no passages given): the share of each choice's words in the answer
        ("answer", [[_share(c, answer_words)] for c in folded]),
    ]
    decided = "none"
    for name, part in parts:
        for key, extra in zip(keys, part, strict=True):
            key.extend(extra)
        if decided == "none" and _unique_best(keys):
            decided = name
    if decided == "none" and embedder is not None:
        sims = _similarity(choices, quotes or passages[:5], embedder)
        for key, sim in zip(keys, sims, strict=True):
            key.append(round(sim, 6))
        if _unique_best(keys):
            decided = "similarity"
    best = max(range(len(choices)), key=lambda i: (keys[i], -i))
    return ChoicePick(best, choices[best], decided, tuple(tuple(k) for k in keys))


def pick_for_answer(
    choices: Sequence[str], answer: Answer, embedder: Embedder | None = None
) -> ChoicePick | None:
    """:func:`pick_choice` for an :class:`~qa.types.Answer` (its text, citations and
    passages)."""
    return pick_choice(
        choices,
        answer=answer.text,
        short_answer=answer.short_answer,
        abstained=answer.abstained,
        quotes=[c.quote for c in answer.citations],
        passages=[f"{p.title}\n{p.text}" for p in answer.passages],
        embedder=embedder,
    )


def _unique_best(keys: Sequence[Sequence[float]]) -> bool:
    tuples = [tuple(k) for k in keys]
    best = max(tuples)
    return tuples.count(best) == 1


def _similarity(choices: Sequence[str], texts: Sequence[str], embedder: Embedder) -> list[float]:
    if not texts:
        return [0.0] * len(choices)
    vectors = embedder.embed([*choices, *texts])
    sims = vectors[: len(choices)] @ vectors[len(choices) :].T
    return [float(row.max()) for row in sims]
