"""The words time phrases are made of, as regular-expression pieces for ``qa.when``: months,
days, years, weekdays, counts ("three", "a dozen", "1,400") and what may follow a range; and
the readings of a count that need more of the sentence ("in August from a year ago", "a
year ago in June 2021")."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from qa.dates import month_number

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
# the same, for the second of two in one pattern ("from Feb. 28 to March 2")
MONTH2 = MONTH.replace("?P<month>", "?P<month2>")
WEEKDAY2 = WEEKDAY.replace("?P<weekday>", "?P<weekday2>")
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


def span_of(day: dt.date, precision: str) -> tuple[dt.date, dt.date, str]:
    """The days of the calendar week, month or year holding ``day`` (or the day itself)."""
    if precision == "week":
        monday = day - day.weekday() * dt.timedelta(days=1)
        return monday, monday + 6 * dt.timedelta(days=1), "week"
    if precision == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last), "month"
    if precision == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), "year"
    return day, day, "day"


def month_compared(
    m: re.Match[str], base: dt.date, tense: str
) -> tuple[dt.date, dt.date, str] | None:
    """ "rose 5% in August from a year ago", "In August, sales were 10% less than a year ago":
    the month named before the comparison, a year back; not a month of a clause of its own
    ("The shop, which opened in June, is busier than a year ago")."""
    if m["unit"].lower() != "year" or not COMPARED.search(m.string, 0, m.start()):
        return None
    try:
        if count_of(m["n"]) != 1:
            return None
    except ValueError:
        return None
    named = list(IN_MONTH.finditer(m.string, max(0, m.start() - 100), m.start()))
    if not named:
        return None
    clause = m.string[: named[-1].start()].rsplit(",", 1)[-1]
    if re.match(r"\s*(?:which|who|that|where|when)\b", clause, re.IGNORECASE):
        return None
    month = month_number(named[-1]["month"])
    year = base.year
    if tense == "future" and month < base.month:
        year += 1
    elif tense != "future" and month > base.month:
        year -= 1
    return span_of(dt.date(year - 1, month, 1), "month")


def year_told(m: re.Match[str], base: dt.date, unit: str) -> tuple[dt.date, dt.date, str] | None:
    """ "more than a year ago in June 2021", "800 years ago in 1205": the year written after
    the count, when it fits it (no later than the count says, a bound aside)."""
    told = IN_YEAR_AFTER.match(m.string, m.end())
    if told is None or not unit.startswith("year"):
        return None
    try:
        number = count_of(m["n"])
    except ValueError:
        return None
    year = int(told["year"])
    bound = BOUND.search(m.string, 0, m.start()) is not None
    if year > base.year - number + 1 or (not bound and year < base.year - number - 1):
        return None
    if told["month"]:
        return span_of(dt.date(year, month_number(told["month"]), 1), "month")
    return span_of(dt.date(year, 1, 1), "year")
