"""Follow-up questions made stand-alone, without a language model.

A chat turn like "What about Iran?" or "When was she sworn in?" cannot be searched as it
is. :func:`condense` rewrites it from the conversation so far, by rules that carry over what
the follow-up leaves out:

- "What about X?", "How about X?", "And X?": the previous question, its subject swapped for
  X (a name replaces the previous question's first name; a time ("in 2023", "last month")
  replaces its time phrase);
- "Who said that?", "Why?", "When?": the previous question's answer sentence becomes the
  subject ("Who said <that sentence>");
- he / she / they / it / that ... with no name of their own: the pronoun becomes the name
  the previous answer (else question) put first;
- anything else that is short and names nothing: the previous question's names and time
  phrase are appended.

A message that names its own subject is left as it is. History is bounded: only the last
``MAX_TURNS`` turns are read, each cut to ``MAX_TURN_CHARS`` characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_TURNS = 6
MAX_TURN_CHARS = 500

_STOP = frozenset(
    """a an the of to in on at for from by with and or but is are was were be been being do does
    did has have had what which who whom whose when where why how that this these those it its
    he she they them his her their him i you we me my your our about there here than then so
    as if not no yes any some more most much many can could would should will may might must
    also just only again too very say said says tell told""".split()
)
# Words written with a capital that are not names (question words, sentence starts).
_NOT_NAMES = frozenset(
    """What Which Who Whom Whose When Where Why How And But Or So Did Does Do Is Are Was Were
    Has Have Had Can Could Would Should Will May The A An In On At For From By With About Tell
    Give List Name Show Then Also Yes No I It He She They This That These Those There Here
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday""".split()
)
_NAME = re.compile(r"\b(?:[A-Z][\w'’.-]*|\d[\w,.]*)(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w'’.-]*)*")
_SWAP = re.compile(
    r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(?P<x>.+?)\s*[?.!]*\s*$|^\s*and\s+(?P<y>.+?)\s*[?.!]*\s*$",
    re.I,
)
_TIME = re.compile(
    r"\b(?:(?:in|during|since|before|after)\s+(?:(?:January|February|March|April|May|June|July|"
    r"August|September|October|November|December)\s+)?\d{4}|this\s+(?:week|month|year)|"
    r"last\s+(?:week|month|year)|yesterday|today|recently)\b",
    re.I,
)
_BARE = re.compile(
    r"^\s*(?:and\s+)?(?:who|why|when|where|how)(?:\s+(?:said|did)\s+(?:that|it|this))?\s*[?.!]*\s*$",
    re.I,
)
_PERSONAL = re.compile(r"\b(?:he|she|him|her|his|hers|they|them|their)\b", re.I)
_THING = re.compile(r"\b(?:it|its|that|this|those|these|there)\b", re.I)


@dataclass(frozen=True)
class Turn:
    """One earlier exchange: what was asked, what was searched, what was answered."""

    question: str
    answer: str = ""
    searched: str = ""  # the stand-alone question retrieval used (the question when empty)

    @property
    def standalone(self) -> str:
        return self.searched or self.question


def names(text: str) -> list[str]:
    """Capitalised word runs and numbers that look like names, in order, without repeats."""
    found: list[str] = []
    for match in _NAME.finditer(text):
        words = match.group(0).split()
        while words and words[0] in _NOT_NAMES:
            words = words[1:]
        name = " ".join(words).strip(" .,")
        if name and name not in found and not _TIME.fullmatch(name):
            found.append(name)
    return found


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[\w'’-]+", text.lower()) if w not in _STOP]


def _answer_sentence(answer: str) -> str:
    """The first cited sentence of an answer, without its [n] marks (after the bold short
    answer it may lead with)."""
    answer = re.sub(r"^\*\*.+?\*\*(?:\s*\[\d+\])*\s*", "", answer.strip())
    first = re.split(r"(?<=[.!?])\s+(?=\S)|\s*\[\d+\]\s*", answer, maxsplit=1)[0]
    return re.sub(r"\s*\[\d+\]", "", first).strip()


def _is_time(text: str) -> bool:
    return bool(
        _TIME.fullmatch(text.strip()) or re.fullmatch(r"(?:in\s+)?\d{4}", text.strip(), re.I)
    )


def _referent(previous: str, said: str) -> str:
    """Who "he" / "she" / "they" is: a person's name is usually two words or more ("Lena
    Marovic"). First one the previous question named (the conversation is about them),
    then one the answer brought up that the question did not ("mediator Helen Ashdown",
    not "Valley Regional Rail" when asked about the rail dispute), then any name."""
    asked = {w.lower() for w in re.findall(r"[\w'’-]+", previous)}
    in_question = [n for n in names(previous) if " " in n]
    new_in_answer = [
        n for n in names(said) if " " in n and not {w.lower() for w in n.split()} & asked
    ]
    anything = [n for n in names(said) + names(previous) if " " in n] + names(said)
    return next(iter(in_question + new_in_answer + anything), "")


def _swap(previous: str, new: str) -> str:
    """The previous question about ``new`` instead: its time or its first name replaced."""
    if _is_time(new):
        when = new.strip() if not re.fullmatch(r"\d{4}", new.strip()) else f"in {new.strip()}"
        if _TIME.search(previous):
            return _TIME.sub(when, previous, count=1)
        return f"{previous.rstrip(' ?.!')} {when}?"
    old = names(previous)
    if old:
        bare = re.sub(r"^(?:the|a|an)\s+", "", new.strip(), flags=re.I)
        return previous.replace(old[0], bare, 1)
    return f"{previous.rstrip(' ?.!')} {new.strip()}?"


def condense(message: str, history: Sequence[Turn]) -> str:
    """``message`` as a stand-alone question, given the earlier turns (see the module doc)."""
    text = message.strip()
    turns = [
        Turn(t.question[:MAX_TURN_CHARS], t.answer[:MAX_TURN_CHARS], t.searched[:MAX_TURN_CHARS])
        for t in list(history)[-MAX_TURNS:]
    ]
    if not text or not turns:
        return text
    last = turns[-1]
    previous = last.standalone.strip()
    own_names = names(text)

    swap = _SWAP.match(text)
    subject = (swap.group("x") or swap.group("y") or "") if swap else ""
    if subject and _content_words(subject) and len(_content_words(subject)) <= 4:
        if not _is_time(subject) and subject == subject.lower():
            # "What about the rail strike?": a new topic, not a name to put in the old
            # question; only the time frame carries over
            return _keep_time(text, previous)
        return _swap(previous, subject)

    said = _answer_sentence(last.answer) if last.answer else ""
    if _BARE.match(text):
        subject = said or previous
        verb = re.sub(r"\s*(?:that|it|this)?\s*[?.!]*\s*$", "", text, flags=re.I).strip()
        return f'{verb} "{subject.rstrip(" .?")}"?' if verb else previous

    if own_names and len(_content_words(text)) >= 2:
        return text
    if _PERSONAL.search(text):
        referent = _referent(previous, said)
        if referent:
            return _keep_time(_PERSONAL.sub(referent, text, count=1), previous)
    if _THING.search(text) or len(_content_words(text)) <= 2:
        named = names(previous)
        in_names = {w.lower() for n in named for w in n.split()}
        words = [w for w in _content_words(_TIME.sub(" ", previous)) if w not in in_names]
        topic = " ".join(
            w for w in dict.fromkeys([*named, *words]) if w.lower() not in text.lower()
        )
        if topic:
            return _keep_time(f"{text.rstrip(' ?.!')} ({topic})?", previous)
    return text


def _keep_time(text: str, previous: str) -> str:
    """Carry the previous question's time phrase over when the follow-up has none."""
    when = _TIME.search(previous)
    if when and not _TIME.search(text):
        return f"{text.rstrip(' ?.!')} {when.group(0)}?"
    return text


CONDENSE_PROMPT = """You rewrite the last message of a conversation about news articles as
one stand-alone search question. Keep its meaning; fill in from the earlier turns the
people, places, subjects and times it leaves out. Reply with the question only, on one line.
If the message already stands alone, repeat it unchanged."""


def condense_messages(message: str, history: Sequence[Turn]) -> list[dict[str, str]]:
    """The chat messages asking a language model to make ``message`` stand alone."""
    turns = list(history)[-MAX_TURNS:]
    lines = []
    for t in turns:
        lines.append(f"User: {t.question[:MAX_TURN_CHARS]}")
        if t.answer:
            lines.append(f"Assistant: {t.answer[:MAX_TURN_CHARS]}")
    user = "Conversation:\n" + "\n".join(lines) + f"\n\nLast message: {message.strip()}"
    return [{"role": "system", "content": CONDENSE_PROMPT}, {"role": "user", "content": user}]


def plausible_rewrite(rewrite: str, message: str, history: Sequence[Turn]) -> str:
    """A model's rewrite cleaned up ("Question: ..." and quotes dropped, first line only),
    or "" when it is no usable question: empty, far longer than the conversation could
    explain, or sharing no word with the message or the turns before it."""
    line = next((x.strip() for x in rewrite.strip().splitlines() if x.strip()), "")
    line = re.sub(r"^(?:stand-alone |standalone |search )?question:\s*", "", line, flags=re.I)
    line = line.strip().strip('"“”').strip()
    if not line or len(line) > 2 * len(message) + 200:
        return ""
    known = set(_content_words(message))
    for t in list(history)[-MAX_TURNS:]:
        known.update(_content_words(f"{t.question} {t.answer[:MAX_TURN_CHARS]}"))
    return line if known & set(_content_words(line)) else ""
