"""Clean scraped article text: normalise characters and whitespace, drop boilerplate lines.

The boilerplate rules are data, in ``boilerplate.yaml`` next to this module. Each rule is a
regular expression that must match a *whole* line (after stripping, case-insensitive), so a
rule can only ever remove a line that is nothing but boilerplate; it never edits inside a line.

Line structure is kept: a cleaned body has the same lines as the normalised input minus the
dropped ones, and every run of blank lines is one blank line. Nothing is merged or split, so
any sentence that survives cleaning is a verbatim substring of ``normalize_text(body)``.
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

# Unicode spaces (other than the ASCII space and the newline) that become one ASCII space:
# tab, vertical tab, form feed, NEL, no-break space, Ogham space, the U+2000 block of
# typographic spaces, line/paragraph separators, narrow no-break space, math space,
# ideographic space.
_SPACES = re.compile(r"[\t\x0b\x0c\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
# Invisible characters that are dropped outright: soft hyphen, combining grapheme joiner,
# Arabic letter mark, Mongolian vowel separator, zero-width space/non-joiner/joiner,
# LRM/RLM, bidi embeddings and isolates, word joiner and invisible operators, BOM.
_INVISIBLE = re.compile(
    r"[\xad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)
# C0/C1 control characters except \n (tab, VT, FF and NEL were turned into spaces above).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_RUN_OF_SPACES = re.compile(r" {2,}")
_BLANK_RUN = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Rule:
    """One boilerplate rule: a line is dropped when ``pattern`` matches all of it.

    ``max_len`` (characters of the stripped line) keeps a broad pattern away from long
    paragraphs. ``isolated`` rules fire only on a line whose neighbouring non-blank lines do
    not match the same rule, so a one-line signature is dropped but a list of look-alike
    items is kept.
    """

    name: str
    pattern: re.Pattern[str]
    max_len: int | None = None
    isolated: bool = False

    def matches(self, line: str) -> bool:
        """True when the stripped ``line`` is entirely boilerplate of this kind."""
        if self.max_len is not None and len(line) > self.max_len:
            return False
        return self.pattern.fullmatch(line) is not None


def normalize_text(text: str) -> str:
    """Return ``text`` in NFC with tidy whitespace, keeping its line structure.

    NFC (not NFKC) keeps curly quotes, dashes and ligatures as they are. Unicode spaces become
    a plain space; zero-width characters, soft hyphens and control characters (except the
    newline) are removed; line endings become ``\\n``; each line loses trailing spaces and
    has runs of spaces collapsed to one; three or more newlines become exactly two; the whole
    text is stripped.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    lines = [_RUN_OF_SPACES.sub(" ", line).rstrip() for line in text.split("\n")]
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()


def _rules_from_yaml(data: Any, source: str) -> tuple[Rule, ...]:
    entries = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{source}: expected a top-level 'rules:' list of rule mappings")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("pattern"):
            raise ValueError(f"{source}: rule #{i} needs at least 'name' and 'pattern'")
        name = str(entry["name"])
        if name in seen:
            raise ValueError(f"{source}: rule name {name!r} is used twice; names must be unique")
        seen.add(name)
        try:
            pattern = re.compile(str(entry["pattern"]), re.IGNORECASE)
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
    """Load boilerplate rules from ``path``, or from the ``boilerplate.yaml`` shipped here.

    Results are cached per path; a malformed file raises ``ValueError`` naming the rule.
    """
    if path is None:
        resource = files("index") / "boilerplate.yaml"
        text, source = resource.read_text(encoding="utf-8"), "index/boilerplate.yaml"
    else:
        text, source = Path(path).read_text(encoding="utf-8"), str(path)
    return _rules_from_yaml(yaml.safe_load(text), source)


def _first_match(line: str, rules: Sequence[Rule]) -> Rule | None:
    for rule in rules:
        if rule.matches(line):
            return rule
    return None


def clean_body_report(
    text: str, rules: Sequence[Rule] | None = None
) -> tuple[str, list[tuple[str, str]]]:
    """Clean ``text`` like :func:`clean_body` and also say what was removed.

    Returns the cleaned body and, in order, ``(removed line, rule name)`` for each dropped line.
    """
    active = load_rules() if rules is None else rules
    lines = normalize_text(text).split("\n")
    stripped = [line.strip() for line in lines]
    hits = [_first_match(line, active) if line else None for line in stripped]

    def neighbour_matches(i: int, step: int, rule: Rule) -> bool:
        j = i + step
        while 0 <= j < len(stripped) and not stripped[j]:
            j += step
        return 0 <= j < len(stripped) and rule.matches(stripped[j])

    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    for i, (line, rule) in enumerate(zip(lines, hits, strict=True)):
        if rule is not None and not (
            rule.isolated and (neighbour_matches(i, -1, rule) or neighbour_matches(i, 1, rule))
        ):
            removed.append((stripped[i], rule.name))
        else:
            kept.append(line)
    return _BLANK_RUN.sub("\n\n", "\n".join(kept)).strip(), removed


def clean_body(text: str, rules: Sequence[Rule] | None = None) -> str:
    """Normalise ``text`` and drop the lines that are boilerplate through and through.

    The original line structure is kept (a paragraph is a line; a single newline inside a
    paragraph stays); dropped lines leave no gap: runs of blank lines become one blank line.
    """
    return clean_body_report(text, rules)[0]


_TITLE_SUFFIX = re.compile(
    r"\s+[|\-–—]\s+(?:CNN(?:\s+(?:Politics|Business|Travel|Style|Sport|Sports))?|CNN\.com"
    r"|USA TODAY(?:\s+Sports)?|The Week(?:\s+UK)?|The New York Times|Reuters|AP News)\s*$"
)


def clean_title(text: str) -> str:
    """Return ``text`` normalised onto a single line, without a trailing site-name suffix.

    Only a handful of known publisher names after `` | `` or `` - `` are removed, so a
    title that merely ends with a dash and a word is left alone.
    """
    title = " ".join(normalize_text(text).split())
    without = _TITLE_SUFFIX.sub("", title)
    return without if without else title
