"""Clean scraped article text: normalise characters and whitespace, drop boilerplate lines.

The boilerplate rules are data, in ``boilerplate.yaml`` next to this module: each rule is a
set of regular expressions that must match a *whole* stripped line (case-insensitive). So a
rule can only remove a line that is boilerplate from end to end; text inside a line is never
edited.

Line structure is kept: the cleaned body is the normalised input with the dropped lines
taken out and each run of blank lines made one blank line (the paragraph break). Lines are
never merged or split, so every sentence that survives cleaning is a verbatim substring of
``normalize_text(body)``, and of ``clean_body(body)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "Rule",
    "clean_body",
    "clean_body_report",
    "clean_title",
    "load_rules",
    "normalize_text",
]

# Line breaks other than \n (Python's str.splitlines() set): CR, VT, FF, NEL, LS, PS.
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# Unicode spaces that become one ASCII space: tab, no-break space, Ogham space mark, the
# U+2000 block of typographic spaces, narrow no-break space, math space, ideographic space.
_SPACES = re.compile(r"[\t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Invisible characters that are dropped: soft hyphen, combining grapheme joiner, Arabic
# letter mark, Mongolian vowel separator, zero-width space / non-joiner / joiner, LRM, RLM,
# bidi embeddings, overrides and isolates, word joiner and invisible operators, BOM.
_INVISIBLE = re.compile(
    r"[\xad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)
# Remaining C0 and C1 control characters (\n is kept; the others became \n or a space).
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_RUN_OF_SPACES = re.compile(r" {2,}")
_BLANK_RUN = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Rule:
    """One boilerplate rule: a line is dropped when ``pattern`` matches all of it.

    ``max_len`` (characters of the stripped line) keeps a broad pattern away from long
    paragraphs. An ``isolated`` rule fires only on a line whose neighbouring non-blank lines
    do not match the same rule, so a one-line signature goes but a list of look-alikes stays.
    """

    name: str
    pattern: re.Pattern[str]
    max_len: int | None = None
    isolated: bool = False

    def matches(self, line: str) -> bool:
        """True when the stripped ``line`` is boilerplate of this kind from end to end."""
        if self.max_len is not None and len(line) > self.max_len:
            return False
        return self.pattern.fullmatch(line) is not None


def normalize_text(text: str) -> str:
    """Return ``text`` in NFC with tidy whitespace, keeping its line structure.

    Line breaks (CRLF, CR, NEL, U+2028/9, ...) become ``\\n``; tabs, no-break and other
    Unicode spaces become a plain space; zero-width characters, soft hyphens, bidi marks and
    control characters are removed; the text is put in NFC (not NFKC: curly quotes, dashes
    and ligatures stay as they are). Then each line is stripped at both ends (indentation
    carries nothing in scraped prose) and has runs of spaces collapsed to one, three or more
    newlines become exactly two (one blank line between paragraphs), and the whole text is
    stripped.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _SPACES.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    # NFC last, so a combining mark that followed a removed character composes too.
    text = unicodedata.normalize("NFC", text)
    lines = [_RUN_OF_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()


def _rule_patterns(entry: dict[str, Any]) -> list[str]:
    """The regex sources of one YAML rule: its ``patterns`` list and/or its ``pattern``."""
    sources = entry.get("patterns") or []
    if isinstance(sources, str):
        sources = [sources]
    if entry.get("pattern"):
        sources = [*sources, entry["pattern"]]
    return [str(source) for source in sources]


def _rules_from_yaml(text: str, source: str) -> tuple[Rule, ...]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{source} is not valid YAML; fix the line named here: {exc}") from exc
    entries = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{source}: expected a top-level 'rules:' list of rule mappings")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        sources = _rule_patterns(entry) if isinstance(entry, dict) else []
        if not isinstance(entry, dict) or not entry.get("name") or not sources:
            raise ValueError(f"{source}: rule #{i} needs a 'name' and at least one pattern")
        name = str(entry["name"])
        if name in seen:
            raise ValueError(f"{source}: rule name {name!r} is used twice; make names unique")
        seen.add(name)
        try:
            pattern = re.compile("|".join(f"(?:{p})" for p in sources), re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{source}: rule {name!r} has an invalid pattern: {exc}") from exc
        max_len = entry.get("max_len")
        rules.append(
            Rule(
                name=name,
                pattern=pattern,
                max_len=None if max_len is None else int(max_len),
                isolated=bool(entry.get("isolated", False)),
            )
        )
    return tuple(rules)


@lru_cache(maxsize=8)
def load_rules(path: str | Path | None = None) -> tuple[Rule, ...]:
    """Load the boilerplate rules from ``path``, or the ``boilerplate.yaml`` shipped here.

    Cached per path. A malformed file raises ``ValueError`` saying which rule is wrong.
    """
    if path is None:
        text = (files("index") / "boilerplate.yaml").read_text(encoding="utf-8")
        return _rules_from_yaml(text, "index/boilerplate.yaml")
    return _rules_from_yaml(Path(path).read_text(encoding="utf-8"), str(path))


def _first_match(line: str, rules: Sequence[Rule]) -> Rule | None:
    for rule in rules:
        if rule.matches(line):
            return rule
    return None


def clean_body_report(
    text: str, rules: Sequence[Rule] | None = None
) -> tuple[str, list[tuple[str, str]]]:
    """Clean ``text`` as :func:`clean_body` does and say what was removed.

    Returns the cleaned body and a list of ``(removed line, rule name)`` in body order.
    """
    active = load_rules() if rules is None else rules
    lines = normalize_text(text).split("\n")  # already stripped, line by line
    hits = [_first_match(line, active) if line else None for line in lines]

    def neighbour_matches(i: int, step: int, rule: Rule) -> bool:
        j = i + step
        while 0 <= j < len(lines) and not lines[j]:
            j += step
        return 0 <= j < len(lines) and rule.matches(lines[j])

    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    for i, (line, rule) in enumerate(zip(lines, hits, strict=True)):
        if rule is not None and not (
            rule.isolated and (neighbour_matches(i, -1, rule) or neighbour_matches(i, 1, rule))
        ):
            removed.append((line, rule.name))
        else:
            kept.append(line)
    return _BLANK_RUN.sub("\n\n", "\n".join(kept)).strip(), removed


def clean_body(text: str, rules: Sequence[Rule] | None = None) -> str:
    """Normalise ``text`` and drop the lines that are boilerplate from end to end.

    The line structure is kept: a paragraph is a line, and a single newline inside a
    paragraph stays. Dropped lines leave no gap: each run of blank lines becomes one.
    ``rules`` defaults to :func:`load_rules`'s shipped set.
    """
    return clean_body_report(text, rules)[0]


# Publisher names that search results append to titles, optionally cut short with "...".
_TITLE_SUFFIX = re.compile(
    r"\s+[|\-–—]\s+(?:CNN(?:\s?(?:Politics|Business|Travel|Style|Sports?|Health|Opinion"
    r"|Underscored))?|The Week(?: UK)?|USA Today|AP News)(?:\s*(?:\.\.\.|…))?\Z",
    re.IGNORECASE,
)


def clean_title(text: str) -> str:
    """Return ``text`` normalised onto one line, without a trailing publisher suffix.

    Only known publishers after `` | `` or `` - `` are removed (" | CNN Business",
    " - USA Today", " | The Week UK"), so a title that merely ends in a dash and a word is
    left alone, and a title that is nothing but a publisher name is kept.
    """
    title = " ".join(normalize_text(text).split())
    match = _TITLE_SUFFIX.search(title)
    return title if match is None or match.start() == 0 else title[: match.start()]
