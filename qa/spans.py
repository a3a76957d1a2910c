"""The short answer: which words of the quoted sentences answer the question.

Every name (a run of capitalised words, and the shorter runs inside it), quoted title,
number, date and common noun of the best sentences is a candidate; each gets the features
of ``SPAN_FEATURES`` and a score, the weighted sum by ``SpanModel``'s weights, learned from
the gold answers of ../shared/data/rtqa/dev.jsonl (``python -m benchmarks.tune_trust``;
numbers on held-out weeks in docs/benchmarks.md). The best candidate is the short answer: a
span of a sentence that is quoted, never a word of the answerer's own.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.phrases import DATE_PHRASE, NAME_PHRASE, NUMBER_PHRASE, find_phrase, measures, phrase_kind
from qa.types import ScoredSentence
from qa.words import STOPWORDS, content_words, fold_words, question_names

# What each candidate is described by (SpanModel has a weight of the same name for each).
SPAN_FEATURES = (
    "name",  # a run of capitalised words, or a quoted title
    "number",
    "date",
    "kind_match",  # of the kind the question asks for (qa.phrases.phrase_kind)
    "asked",  # share of its words that the question uses
    "support",  # log(1 + the number of other passages that hold it too)
    "first",  # in the best sentence
    "behind",  # how far its sentence's score is behind the best one's
    "near",  # 1 / (1 + words between it and the nearest word of the question)
    "words",  # its number of words
    "whole",  # the whole run of capitalised words (not a part of it)
    "initial",  # starts its sentence (capitalised anyway)
    "rule",  # what qa.phrases.find_phrase picks in its sentence
    "quoted",  # between quotation marks
    "after_type",  # follows the noun of the question's "which X" ("the singer Adele")
    "mismatch",  # a number or date, asked for a name
    "common",  # one capitalised word the passages also use in lower case ("Historic")
    "title",  # starts with a title or honorific ("President Joe Biden", "Gov")
    "person",  # a name of two words or more, asked "who"
    "in_title",  # its article's headline holds it
    "open_word",  # a common noun, asked a question that names no kind ("what ...")
    "weekday",  # a bare weekday ("Sunday"): a different day in every article
)

_QUOTED = re.compile(r"[\"“]([^\"“”]{2,80})[\"”]")
_NUMBER_CORE = re.compile(
    r"[$€£¥]?\d[\d,]*(?:\.\d+)?(?:%|\s?(?:million|billion|trillion|[mb]n)\b)?"
)
_LOWER = re.compile(r"(?<![\w'’-])[a-z][a-z-]{2,}(?![\w'’-])")
_TOKEN = re.compile(r"[\w'’.-]+")
_WHICH_NOUN = re.compile(r"\b(?:which|what)\s+((?:[\w-]+\s+){0,2}[\w-]+)", re.IGNORECASE)
# verbs that follow "which" / "what" without naming a type ("what happened")
_NOT_TYPES = frozenset(content_words("is was did does do happened has have made"))
_WHO = re.compile(r"\s*(?:who|whom|whose)\b", re.IGNORECASE)
_TITLES = frozenset(
    """president gov governor sen senator rep representative dr mr mrs ms prime minister
    secretary judge justice chief king queen prince princess pope sir lord general gen
    mayor former vice ceo chancellor""".split()
)
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_NOT_WORDS = STOPWORDS | {"least", "most", "many", "much", "including", "since", "among"}
# a number followed or preceded by one of these is a difference ("$102 million more than
# budgeted", "an extra $102 million")
_CHANGE_AFTER = re.compile(r"\s+(?:more|less|fewer|over|above|below|higher|lower|extra)\b")
_CHANGE_BEFORE = re.compile(r"\b(?:extra|additional|another|further)\s+$", re.IGNORECASE)
# ... which answers only a question that asks for a difference
_CHANGE_ASKED = re.compile(
    r"\b(?:more|less|fewer|over|above|below|higher|lower|extra|additional|increase[sd]?|"
    r"rise|rose|fall|fell|drop(?:ped)?|overrun|difference|change[sd]?|than|by how)\b",
    re.IGNORECASE,
)
_MAX_RUN = 4  # words of a name candidate cut from a longer run


@dataclass(frozen=True)
class Span:
    """A candidate short answer: ``text`` is ``sentence.text[start:end]``."""

    sentence: int  # index into the sentences it was found in
    start: int
    end: int
    text: str
    values: np.ndarray  # one per SPAN_FEATURES
    score: float = 0.0


@dataclass(frozen=True)
class SpanModel:
    """The weights of ``SPAN_FEATURES`` (the fitted ones are ``DEFAULT_SPAN_MODEL``), and
    ``threshold``: a best candidate scoring below it is no short answer (the answer then
    leads with its first quote)."""

    name: float = 0.0
    number: float = 0.0
    date: float = 0.0
    kind_match: float = 0.0
    asked: float = 0.0
    support: float = 0.0
    first: float = 0.0
    behind: float = 0.0
    near: float = 0.0
    words: float = 0.0
    whole: float = 0.0
    initial: float = 0.0
    rule: float = 0.0
    quoted: float = 0.0
    after_type: float = 0.0
    mismatch: float = 0.0
    common: float = 0.0
    title: float = 0.0
    person: float = 0.0
    in_title: float = 0.0
    open_word: float = 0.0
    weekday: float = 0.0
    threshold: float = -math.inf

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in SPAN_FEATURES])

    def best(
        self,
        question: str,
        sentences: Sequence[ScoredSentence],
        passages_text: Sequence[str],
    ) -> Span | None:
        """The best candidate of ``sentences`` (best first), or ``None``."""
        spans = candidates(question, sentences, passages_text)
        if not spans:
            return None
        scores = np.array([s.values for s in spans]) @ self.vector()
        i = int(np.argmax(scores))
        if scores[i] < self.threshold:
            return None
        return dataclasses.replace(spans[i], score=float(scores[i]))


def _raw_spans(kind: str | None, text: str) -> list[tuple[int, int, str, bool]]:
    """``(start, end, type, whole)`` of every candidate in a sentence."""
    out: list[tuple[int, int, str, bool]] = []
    for m in NAME_PHRASE.finditer(text):
        tokens = list(_TOKEN.finditer(m.group(0)))
        n = len(tokens)
        capital = [t.group(0)[:1].isupper() for t in tokens]
        for i in range(n):
            for j in range(i + 1, min(n, i + _MAX_RUN) + 1):
                if not (capital[i] and capital[j - 1]):
                    continue  # "Bank of" and "of England" are no names
                start = m.start() + tokens[i].start()
                end = m.start() + tokens[j - 1].end()
                piece = text[start:end]
                piece_end = start + len(re.sub(r"(?:['’]s?|[.,-])$", "", piece))
                if piece_end > start and not DATE_PHRASE.fullmatch(text[start:piece_end]):
                    out.append((start, piece_end, "name", i == 0 and j == n))
    for m in _QUOTED.finditer(text):
        title = m.group(1).strip()
        # a title ("The Life of a Showgirl"), not a quoted remark ("This is not a step, ")
        if title[:1].isupper() and len(title.split()) <= 8 and title[-1] not in ",.;:!?":
            out.append((m.start(1), m.end(1), "quoted", True))
    dates = [m.span() for m in DATE_PHRASE.finditer(text)]
    for m in NUMBER_PHRASE.finditer(text):
        if any(s <= m.start() < e for s, e in dates) and kind != "date":
            continue
        out.append((m.start(), m.end(), "number", True))
        core = _NUMBER_CORE.search(text, m.start(), m.end())
        if core and core.span() != m.span():
            out.append((core.start(), core.end(), "number", False))
    for s, e in dates:
        out.append((s, e, "date", True))
    # common nouns ("pneumonia", "wind power"): lower-case words that carry meaning, alone
    # and in pairs
    words = [m for m in _LOWER.finditer(text) if m.group(0) not in _NOT_WORDS]
    for i, m in enumerate(words):
        out.append((m.start(), m.end(), "word", True))
        if i + 1 < len(words) and text[m.end() : words[i + 1].start()] == " ":
            out.append((m.start(), words[i + 1].end(), "word", True))
    return out


def _told_as_change(text: str, start: int, end: int) -> bool:
    """Whether the number ``text[start:end]`` is told as a difference."""
    return bool(
        _CHANGE_AFTER.match(text, end) or _CHANGE_BEFORE.search(text[max(0, start - 20) : start])
    )


def candidates(
    question: str,
    sentences: Sequence[ScoredSentence],
    passages_text: Sequence[str],
) -> list[Span]:
    """Every candidate short answer in ``sentences`` (best first) with its features."""
    if not sentences:
        return []
    kind = phrase_kind(question)
    asked = set(content_words(question)) | question_names(question)
    which = _WHICH_NOUN.search(question)
    type_nouns = set(content_words(which.group(1))) - _NOT_TYPES if which else set()
    folded_passages = [f" {fold_words(p)} " for p in passages_text]
    lower_words = set(re.findall(r"\b[a-z][a-z-]+\b", " ".join(passages_text)))
    who = bool(_WHO.match(question))
    asks_change = bool(_CHANGE_ASKED.search(question))
    own = [f" {fold_words(s.text)} " for s in sentences]
    best_score = sentences[0].score
    support_cache: dict[tuple[int, str], int] = {}
    spans: list[Span] = []
    seen: set[tuple[int, str]] = set()
    for si, sentence in enumerate(sentences):
        text = sentence.text
        rule = find_phrase(question, text, sentence.passage.text)
        anchors = [
            m.span() for m in _TOKEN.finditer(text) if set(content_words(m.group(0))) & asked
        ]
        for start, end, typ, whole in _raw_spans(kind, text):
            if kind in ("number", "date") and typ != kind:
                continue  # asked how many or when: only a number or a date answers
            if typ == "number" and not asks_change and _told_as_change(text, start, end):
                continue  # "$102 million more than budgeted" does not tell how much in all
            if typ == "number" and not measures(question, text[start:end], text[end : end + 25]):
                continue  # asked how many days, "£115,000 a year" is no answer
            piece = text[start:end]
            words = content_words(piece)
            if not words:
                continue
            key = (si, fold_words(piece))
            if key in seen:
                continue
            seen.add(key)
            folded = key[1]
            if key not in support_cache:  # other passages (not the sentence's own) holding it
                support_cache[key] = sum(
                    f" {folded} " in p for p in folded_passages if own[si] not in p
                )
            gap = min((max(s - end, start - e, 0) for s, e in anchors), default=200)
            before = text[:start].rstrip()
            name = typ in ("name", "quoted")
            values = np.array(
                [
                    float(name),
                    float(typ == "number"),
                    float(typ == "date"),
                    # (a number or date question keeps only candidates of its kind)
                    float(kind in ("number", "date") or (kind == "name" and name)),
                    sum(w in asked for w in words) / len(words),
                    math.log1p(support_cache[key]),
                    float(si == 0),
                    min(5.0, best_score - sentence.score),
                    1 / (1 + gap / 6),  # (about six characters a word)
                    float(len(piece.split())),
                    float(whole),
                    float(not before or before[-1] in '.?!:"“—–-'),
                    float(rule is not None and rule[0] <= start and end <= rule[1]),
                    float(typ == "quoted"),
                    float(bool(type_nouns & set(content_words(text[max(0, start - 30) : start])))),
                    float(kind == "name" and typ in ("number", "date")),
                    float(typ == "name" and " " not in piece and piece.lower() in lower_words),
                    float(piece.split()[0].rstrip(".").lower() in _TITLES),
                    float(who and typ == "name" and " " in piece),
                    float(f" {folded} " in f" {fold_words(sentence.passage.title)} "),
                    float(typ == "word" and kind is None),
                    float(piece.lower() in _WEEKDAYS),
                ]
            )
            spans.append(Span(si, start, end, piece, values))
    return spans


# Fitted by `python -m benchmarks.tune_trust --set half` (its numbers in docs/benchmarks.md).
DEFAULT_SPAN_MODEL = SpanModel(
    name=1.391,
    number=0.703,
    date=0.064,
    kind_match=2.167,
    asked=-5.318,
    support=1.439,
    first=0.215,
    behind=-0.676,
    near=1.121,
    words=0.575,
    whole=1.494,
    initial=0.243,
    rule=0.354,
    quoted=-0.1,
    after_type=0.555,
    mismatch=-0.593,
    common=-1.319,
    title=-1.501,
    person=1.736,
    in_title=1.665,
    open_word=-0.583,
    weekday=-0.996,
)
