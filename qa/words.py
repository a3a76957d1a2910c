"""Words of questions and sentences, as the answerer, the short-answer finder and the
checks compare them: content words (lower-cased, stemmed, no stopwords), folded phrases,
the kind of thing a question asks for, the names it mentions."""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import Stemmer

if TYPE_CHECKING:
    from qa.retrieve import Passage

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    out over own same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself said says say new week
    this year last according
    """.split()
)

_WORD = re.compile(r"[\w$%]+(?:[.,'’][\w]+)*", re.UNICODE)


_STEMMERS = threading.local()  # a PyStemmer object is not thread-safe: one per thread


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The Snowball English stem of a word, so "ended", "ending" and "ends" all meet "end";
    a word with anything but letters in it (a number, an amount) is kept as it is."""
    if not word.isalpha():
        return word
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = Stemmer.Stemmer("english")
    return str(stemmer.stemWord(word))


def content_words(text: str) -> list[str]:
    """Stemmed, lower-cased words and numbers of ``text`` that carry meaning (no stopwords)."""
    words = []
    for raw in _WORD.findall(text.lower()):
        word = raw.replace("’", "'").removesuffix("'s")
        if word and word not in STOPWORDS:
            words.append(stem(word))
    return words


def fold_words(text: str) -> str:
    """Lower-cased words of ``text`` joined by single spaces (for "holds the same phrase")."""
    return " ".join(re.findall(r"\w+", text.lower().replace("’", "'")))


NUMBER_QUESTION = re.compile(
    r"\b(?:how (?:many|much|long|old|far|tall|big|large|high|fast)|"
    r"what (?:percentage|percent|number|amount|share|age))\b",
    re.IGNORECASE,
)
DATE_QUESTION = re.compile(
    r"\b(?:when|what (?:year|date|day|month|time)|which (?:month|year|day)|on what date)\b",
    re.IGNORECASE,
)
NUMBER_WORDS = frozenset(
    stem(w)
    for w in "one two three four five six seven eight nine ten eleven twelve dozen dozens hundred "
    "hundreds thousand thousands million millions billion billions trillion half".split()
)
DATE_WORDS = frozenset(
    stem(w)
    for w in "january february march april may june july august september october november "
    "december jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday "
    "friday saturday sunday yesterday today".split()
)
CAPITALISED = re.compile(r"\b[A-Z][\w'’-]+")
FUNCTION_WORDS = STOPWORDS | {"but", "he", "she", "it", "they", "we", "i", "mr", "mrs", "ms"}


def question_type(question: str) -> str:
    """``number``, ``date`` or ``entity``: what kind of thing the question asks for."""
    if NUMBER_QUESTION.search(question):
        return "number"
    if DATE_QUESTION.search(question):
        return "date"
    return "entity"


def offers_answer(question_words: set[str], kind: str, sentence: str) -> bool:
    """Whether ``sentence`` holds a thing of ``kind`` that the question does not mention."""
    new = [w for w in content_words(sentence) if w not in question_words]
    if kind == "number":
        return any(w in NUMBER_WORDS or any(ch.isdigit() for ch in w) for w in new)
    if kind == "date":
        return any(w in DATE_WORDS or re.fullmatch(r"(?:1[89]|20)\d\d", w) for w in new)
    for word in CAPITALISED.findall(sentence):
        folded = word.lower().replace("’", "'").removesuffix("'s")
        if stem(folded) not in question_words and folded not in FUNCTION_WORDS:
            return True
    return False


def question_names(question: str) -> set[str]:
    """Proper names in the question: capitalised words that do not start it."""
    names = set()
    for match in CAPITALISED.finditer(question):
        before = question[: match.start()].rstrip()
        if not before or before[-1] in '.?!:"“':
            continue  # sentence-initial: capitalised anyway
        word = match.group(0).lower().replace("’", "'").removesuffix("'s")
        if word not in FUNCTION_WORDS:
            names.add(stem(word))
    return names


def names_share(question: str, passages: Sequence[Passage]) -> float:
    """The share of the question's proper names that ``passages`` mention (1 without names)."""
    names = question_names(question)
    if not names:
        return 1.0
    seen: set[str] = set()
    for passage in passages:
        seen.update(content_words(f"{passage.title} {passage.text}"))
    return len(names & seen) / len(names)


def weighted_overlap(question: str, sentences: Sequence[str]) -> np.ndarray:
    """Share of the question's content words (IDF-weighted over ``sentences``) each has."""
    q_words = set(content_words(question))
    if not q_words:
        return np.zeros(len(sentences))
    bags = [set(content_words(s)) for s in sentences]
    df = Counter(w for bag in bags for w in bag if w in q_words)
    n = len(sentences)
    idf = {w: math.log(1 + n / (1 + df[w])) for w in q_words}
    total = sum(idf.values())
    return np.array([sum(idf[w] for w in q_words & bag) / total for bag in bags])
