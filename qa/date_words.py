"""The words time phrases are made of, as regular-expression pieces for ``qa.when``: months,
days, years, weekdays, counts ("three", "a dozen", "1,400") and what may follow a range."""

from __future__ import annotations

import re

# what may follow the last day of "Oct. 5 and 6": not "to 20 years", "to 8 p.m.", "4 other"
RANGE_END = (
    r"(?=\s*(?:[,;:)!?\"”—–]|\.(?!\d)|$|(?:in|at|during|on|for|from|with|when|while|as|and)\b))"
)

MONTH = (
    r"(?P<month>(?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december)\b|(?:jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b\.?)"
)
DATE_DAY = r"(?P<day>[12]?\d|3[01])(?:st|nd|rd|th)?\b"
YEAR = r"(?P<year>(?:19|20)\d\d)\b"
NO_YEAR = r"(?!,?\s*(?:19|20)\d\d\b)"
WEEKDAY = r"(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
PART = r"(?:\s+(?:morning|afternoon|evening|night)\b)?"
_UNITS = "one two three four five six seven eight nine".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORDS = [*_UNITS, "ten", "eleven", "twelve", *(f"{u}teen" for u in ("thir", "four", "fif"))]
_WORDS += [*(f"{u}teen" for u in ("six", "seven", "eigh", "nine"))]
_NUMBER_VALUES = {w: i for i, w in enumerate(_WORDS, 1)} | {"a": 1, "an": 1}
_NUMBER_VALUES |= {"dozen": 12, "a dozen": 12, "half a dozen": 6}
for _t, _tens in enumerate(_TENS, 2):
    _NUMBER_VALUES[_tens] = 10 * _t
    _NUMBER_VALUES |= {f"{_tens}-{u}": 10 * _t + i for i, u in enumerate(_UNITS, 1)}
# "three hundred years ago"
_NUMBER_VALUES |= {f"{u} hundred": 100 * i for i, u in enumerate(_UNITS, 1)} | {"a hundred": 100}
NUMBER = (
    r"(?<![\w,.-])(?<!hundred\s)(?<!hundred\sand\s)(?<!thousand\s)(?P<n>\d{1,3}(?:,\d{3})*|"
    + "|".join(n.replace(" ", r"\s+") for n in sorted(_NUMBER_VALUES, key=len, reverse=True))
    + r"|a\s+few|few|several|a\s+couple(?:\s+of)?)"
)
NUMBER2 = NUMBER.replace("?P<n>", "?P<n2>")
AGO_UNIT = r"(?P<unit>days?|weeks?|months?|years?)\s+ago\b"
IN_MONTH = re.compile(rf"\bin\s+(?!may\b){MONTH}\b(?!\.?\s*\d)", re.IGNORECASE)
# "more than 800 years ago in 1205", "a year ago in June 2021": the year written after
IN_YEAR_AFTER = re.compile(
    rf"\s+in\s+(?:{MONTH}\s+)?(?P<year>1\d{{3}}|20\d\d)\b{RANGE_END}(?!\s*B\.?C)", re.IGNORECASE
)
# "more than a year ago" names a bound, not a day
BOUND = re.compile(r"\b(?:more\s+than|over|at\s+least)\s+$", re.IGNORECASE)
# "soared 60% in August from a year ago": the month named, a year back
COMPARED = re.compile(
    r"\b(?:from|compared\s+(?:with|to)|than|over|versus|vs\.?)\s+$", re.IGNORECASE
)


def count_of(word: str) -> int:
    """ "3", "1,400", "three", "a dozen"; ValueError for "a few" and the like."""
    word = " ".join(word.lower().split())
    if word[0].isdigit():
        return int(word.replace(",", ""))
    if word not in _NUMBER_VALUES:
        raise ValueError(f"no number: {word}")
    return _NUMBER_VALUES[word]
