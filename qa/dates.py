"""Time expressions in a question ("this week", "in June 2023") as a window of publication dates.

``resolve_time`` finds the expressions a question uses, turns each into a window of dates
relative to a reference date (today, or a gold question's ``question_date``) and returns the
most specific one. A window is ``strict`` when the question names a calendar date, month or
year ("in June 2023", "on March 3, 2024", "in 2019", "since 2017"): it is safe to filter on.
Relative and vague expressions ("this week", "last month", "recently", "on Monday") give
``strict=False`` windows, meant to boost articles rather than exclude the others.

Windows are windows of *publication* dates, so they lean towards the reference date: an
event "last month" is still reported this month, a Sunday final in Monday's paper. No window
ends after the reference date, and an expression that points into the future ("in 2030",
"on May 11" a week before it) gives no window. The windows, with ``ref`` the reference date:

==============================================  ==========================================
today / tonight, yesterday                      ref-1..ref, ref-2..ref
this week, this past week, (the) past week      ref-7..ref
last week                                       Monday of the previous week..ref
this weekend / last weekend                     Thursday before that weekend..ref
this month, this year                           the 1st of the month / Jan 1..ref
last month, last year                           the 1st of the previous month / year..ref
recently, lately, recent, in recent days/weeks  ref-30..ref (in recent months: ref-90)
on / last / this past Monday                    the latest Monday (on: ref itself counts) ±1 day
in June (no year)                               that month if it is the nearest June and not
                                                ahead of ref (else no window)
on March 3 / 3 March (no year)                  that day ±1, same nearest-occurrence rule
N days / weeks / months ago                     that point ± a quarter of the distance
over the past N days, the last N weeks          ref minus N units..ref
in June 2023, June of 2023                      that month (strict)
on March 3, 2024, 3 March 2024, 2024-03-03      that day ±1 (strict)
in 2019, during 2019                            that year (strict); a bare year never counts
since 2017, since March 2024, since June        from that start..ref (strict with a year)
==============================================  ==========================================

Of several expressions the most specific wins: strict over vague, then the shortest window;
"since ..." windows only bound the start, so they come last. Matching is case-insensitive
on whole words, but a relative phrase written as a title in mid-sentence ("USA TODAY",
"the “Today” anchor", "ABC's This Week") is a name, not a time.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from qa.errors import QuestionError

__all__ = ["TimeWindow", "parse_reference", "resolve_time", "time_windows"]

FIRST_YEAR = 1900
LAST_YEAR = 2100


@dataclass(frozen=True)
class TimeWindow:
    """Publication dates a question points at, both ends included."""

    since: dt.date
    until: dt.date
    phrase: str  # the text matched in the question, e.g. "last month"
    strict: bool  # True: an explicit calendar reference, safe to filter on; False: boost only

    @property
    def days(self) -> int:
        """How many days the window holds."""
        return (self.until - self.since).days + 1


def parse_reference(value: str | dt.date | None) -> dt.date:
    """The reference date: ``None`` or ``"today"`` is today, a string is an ISO date."""
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = value.strip()
    if text.lower() in ("", "today"):
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError as exc:
        raise QuestionError(
            f"Reference dates are written YYYY-MM-DD (or 'today'), got {value!r}."
        ) from exc


def resolve_time(question: str, reference: dt.date | None = None) -> TimeWindow | None:
    """The most specific time window the question points at, or ``None`` if it names none."""
    windows = time_windows(question, reference)
    return windows[0] if windows else None


def time_windows(question: str, reference: dt.date | None = None) -> list[TimeWindow]:
    """Every time window the question points at, the most specific first."""
    ref = parse_reference(reference)
    text = _SPACES.sub(" ", question)
    matches: list[tuple[re.Match[str], _Rule]] = [
        (m, rule) for rule in _RULES for m in rule.pattern.finditer(text)
    ]
    spans = {m.span() for m, _ in matches}
    found: list[tuple[tuple[bool, bool, int, int], TimeWindow]] = []
    for m, rule in matches:
        start, end = m.span()
        if any(s <= start and end <= e and (s, e) != (start, end) for s, e in spans):
            continue  # part of a longer expression: "March 2024" in "since March 2024"
        if rule.title_guard and written_as_name(text, start):
            continue
        try:
            dates = rule.resolve(m, ref)
        except (ValueError, OverflowError):  # "February 30, 2024", "9999 months ago"
            continue
        if dates is None:
            continue
        until = min(dates.until, ref)
        if dates.since > until:
            continue
        window = TimeWindow(dates.since, until, m.group(0), dates.strict)
        found.append(((dates.open_ended, not dates.strict, window.days, start), window))
    found.sort(key=lambda item: item[0])
    return [window for _, window in found]


# --- the expressions --------------------------------------------------------------------------


class _Dates(NamedTuple):
    since: dt.date
    until: dt.date
    strict: bool
    open_ended: bool = False  # only the start is meant: "since 2017"


_Resolver = Callable[[re.Match[str], dt.date], _Dates | None]


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    resolve: _Resolver
    title_guard: bool  # a capitalised match in mid-sentence is a name ("USA TODAY")


_SPACES = re.compile(r"\s+")
_DAY = dt.timedelta(days=1)

# English names, spelled out: calendar.month_name follows the process locale.
_MONTH_NAMES = (
    "january february march april may june july august september october november december"
).split()
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()  # as .weekday()
_MONTH_NUMBERS = {name: i for i, name in enumerate(_MONTH_NAMES, 1)}
_MONTH_NUMBERS |= {name[:3]: i for i, name in enumerate(_MONTH_NAMES, 1)} | {"sept": 9}
_FULL_MONTH = "|".join(_MONTH_NAMES)
# Full names first, "sept" before "sep": the first alternative that fits wins.
_ANY_MONTH = "|".join([*_MONTH_NAMES, "sept", *(name[:3] for name in _MONTH_NAMES)])

_MONTH = rf"(?P<month>{_ANY_MONTH})\b\.?"
_MONTH_NAME = rf"(?P<month>{_FULL_MONTH})\b"
_DAY_OF_MONTH = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\b"
_YEAR = r"(?P<year>\d{4})(?![\d%]|[.,]\d)"
_ANY_WEEKDAY = "|".join(WEEKDAYS)
_WEEKDAY = rf"(?P<weekday>{_ANY_WEEKDAY})\b"
_ON_WEEKDAY = rf"(?:on\s+)?(?:(?:{_ANY_WEEKDAY}),?\s+)?"
# Without a year a date needs "on" or a weekday before it: "the Jan. 6 committee" is a name.
_ON_DAY = rf"(?:on\s+(?:(?:{_ANY_WEEKDAY}),?\s+)?|(?:{_ANY_WEEKDAY}),?\s+)"
_PART = r"(?:(?:early|mid|late)[-\s])?"
_NOT_A_YEAR_NEXT = r"(?!\.?,?\s*(?:of\s+)?\d)"

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "couple": 2,
    "few": 3,
    "several": 4,
}
_NUMBER = (
    r"(?P<n>(?<![\d,.])\d{1,4}|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few|"
    + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
    + r")"
)


def _year(m: re.Match[str]) -> int:
    year = int(m["year"])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year {year} is out of range")
    return year


def _month(m: re.Match[str]) -> int:
    return month_number(m["month"])


def month_number(name: str) -> int:
    """1 to 12 for an English month name or its abbreviation ("Sept.", "sep", "June")."""
    return _MONTH_NUMBERS[name.lower().rstrip(".")]


def _count(m: re.Match[str]) -> int:
    """The N of "N weeks": a number or a word; none means one ("past week") or a few ("days")."""
    if m["n"] is None:
        return 3 if m["unit"].lower().endswith("s") else 1
    if m["n"].isdigit():
        return int(m["n"])
    words = [w for w in m["n"].lower().split() if w not in ("a", "of")]  # "a couple of"
    return _NUMBER_WORDS[words[0] if words else "a"]


def add_months(day: dt.date, months: int) -> dt.date:
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return day.replace(year=year, month=month0 + 1, day=min(day.day, last))


def back(ref: dt.date, n: int, unit: str) -> dt.date:
    """``n`` days, weeks, months or years before ``ref`` ("3 weeks" back)."""
    unit = unit.lower().rstrip("s")
    if unit == "day":
        return ref - n * _DAY
    if unit == "week":
        return ref - 7 * n * _DAY
    return add_months(ref, -n if unit == "month" else -12 * n)


def _around(day: dt.date, strict: bool) -> _Dates:
    return _Dates(day - _DAY, day + _DAY, strict)


def _month_dates(year: int, month: int, strict: bool) -> _Dates:
    first = dt.date(year, month, 1)
    return _Dates(first, add_months(first, 1) - _DAY, strict)


def _nearest_month(month: int, ref: dt.date) -> int | None:
    """The year of the nearest such month not ahead of ``ref``; None when the next one is nearer.

    News quizzes speak of coming events as often as of past ones ("slashing flights during
    November", asked in August), and an upcoming month says nothing about publication dates.
    """
    back = (ref.month - month) % 12
    ahead = (month - ref.month) % 12
    if back and ahead < back:
        return None
    return ref.year if month <= ref.month else ref.year - 1


def _nearest_day(month: int, day: int, ref: dt.date) -> dt.date | None:
    """The nearest such day if it is not ahead of ``ref`` (February 29 included)."""
    days = []
    for year in range(ref.year - 4, ref.year + 2):
        try:
            days.append(dt.date(year, month, day))
        except ValueError:
            continue
    past = [d for d in days if d <= ref]
    ahead = [d for d in days if d > ref]
    if not past:
        raise ValueError(f"no such day: {month}/{day}")
    if ahead and (ahead[0] - ref) < (ref - past[-1]):
        return None
    return past[-1]


def _last_saturday(ref: dt.date) -> dt.date:
    return ref - ((ref.weekday() - 5) % 7) * _DAY


# Each resolver returns the window before it is clipped to end at the reference date.


def _explicit_day(m: re.Match[str], ref: dt.date) -> _Dates | None:
    day = dt.date(_year(m), _month(m), int(m["day"]))
    return None if day > ref else _around(day, strict=True)


def _iso_day(m: re.Match[str], ref: dt.date) -> _Dates | None:
    day = dt.date(_year(m), int(m["iso_month"]), int(m["day"]))
    return None if day > ref else _around(day, strict=True)


def _yearless_day(m: re.Match[str], ref: dt.date) -> _Dates | None:
    day = _nearest_day(_month(m), int(m["day"]), ref)
    return None if day is None else _around(day, strict=False)


def _month_of_year(m: re.Match[str], ref: dt.date) -> _Dates | None:
    return _month_dates(_year(m), _month(m), strict=True)


def _whole_year(m: re.Match[str], ref: dt.date) -> _Dates | None:
    year = _year(m)
    return _Dates(dt.date(year, 1, 1), dt.date(year, 12, 31), strict=True)


def _yearless_month(m: re.Match[str], ref: dt.date) -> _Dates | None:
    month = _month(m)
    year = _nearest_month(month, ref)
    return None if year is None else _month_dates(year, month, strict=False)


def _since(m: re.Match[str], ref: dt.date) -> _Dates | None:
    month = _month(m) if m["month"] else 1
    day = int(m["day"]) if m["day"] else 1
    return _Dates(dt.date(_year(m), month, day), ref, strict=True, open_ended=True)


def _since_month(m: re.Match[str], ref: dt.date) -> _Dates | None:
    """ "since June": from the latest June that has begun."""
    month = _month(m)
    year = ref.year if month <= ref.month else ref.year - 1
    return _Dates(dt.date(year, month, 1), ref, strict=False, open_ended=True)


def _weekday(m: re.Match[str], ref: dt.date) -> _Dates | None:
    wanted = WEEKDAYS.index(m["weekday"].lower())
    day = ref - ((ref.weekday() - wanted) % 7) * _DAY
    if day == ref and m["rel"].lower() != "on":  # "last Tuesday" said on a Tuesday
        day -= 7 * _DAY
    return _around(day, strict=False)


def _today(m: re.Match[str], ref: dt.date) -> _Dates | None:
    back = 2 if m.group(0).lower() == "yesterday" else 1
    return _Dates(ref - back * _DAY, ref, strict=False)


def _this_or_last(m: re.Match[str], ref: dt.date) -> _Dates | None:
    last = m["rel"].lower() == "last"
    unit = m["unit"].lower()
    if unit == "week":
        if last:  # the previous calendar week, and what was written about it since
            return _Dates(ref - (ref.weekday() + 7) * _DAY, ref, strict=False)
        return _Dates(ref - 7 * _DAY, ref, strict=False)
    if unit == "month":
        first = ref.replace(day=1)
        return _Dates(add_months(first, -1) if last else first, ref, strict=False)
    first = dt.date(ref.year - 1 if last else ref.year, 1, 1)
    return _Dates(first, ref, strict=False)


def _weekend(m: re.Match[str], ref: dt.date) -> _Dates | None:
    saturday = _last_saturday(ref)
    if m["rel"].lower() != "this" and ref.weekday() >= 5:  # "last weekend" said on a weekend
        saturday -= 7 * _DAY
    return _Dates(saturday - 2 * _DAY, ref, strict=False)  # previews run from Thursday


def _rolling(m: re.Match[str], ref: dt.date) -> _Dates | None:
    return _Dates(back(ref, _count(m), m["unit"]), ref, strict=False)


def _ago(m: re.Match[str], ref: dt.date) -> _Dates | None:
    point = back(ref, _count(m), m["unit"])
    half = max(1, ((ref - point).days + 3) // 4) * _DAY
    return _Dates(point - half, point + half, strict=False)


def _recent(m: re.Match[str], ref: dt.date) -> _Dates | None:
    days = 90 if (m.groupdict().get("unit") or "").lower() == "months" else 30
    return _Dates(ref - days * _DAY, ref, strict=False)


def _rule(pattern: str, resolve: _Resolver, title_guard: bool = False) -> _Rule:
    return _Rule(re.compile(rf"\b{pattern}", re.IGNORECASE), resolve, title_guard)


_RULES = (
    _rule(r"(?P<year>\d{4})-(?P<iso_month>\d{2})-(?P<day>\d{2})\b", _iso_day),
    _rule(rf"{_ON_WEEKDAY}{_MONTH}\s+{_DAY_OF_MONTH},?\s+{_YEAR}", _explicit_day),
    _rule(
        rf"{_ON_WEEKDAY}(?:the\s+)?{_DAY_OF_MONTH}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}", _explicit_day
    ),
    _rule(rf"{_ON_DAY}{_MONTH}\s+{_DAY_OF_MONTH}{_NOT_A_YEAR_NEXT}", _yearless_day),
    _rule(
        rf"{_ON_DAY}(?:the\s+)?{_DAY_OF_MONTH}\s+(?:of\s+)?{_MONTH_NAME}{_NOT_A_YEAR_NEXT}",
        _yearless_day,
    ),
    _rule(
        rf"(?:(?:in|during|throughout)\s+)?{_PART}{_MONTH},?\s+(?:of\s+)?{_YEAR}", _month_of_year
    ),
    _rule(rf"(?:in|during|throughout)\s+{_PART}(?:the\s+year\s+)?{_YEAR}", _whole_year),
    _rule(rf"(?:in|during|throughout)\s+{_PART}{_MONTH_NAME}{_NOT_A_YEAR_NEXT}", _yearless_month),
    _rule(rf"since\s+{_PART}(?:{_MONTH}\s+(?:{_DAY_OF_MONTH},?\s+)?)?{_YEAR}", _since),
    _rule(rf"since\s+{_PART}{_MONTH_NAME}{_NOT_A_YEAR_NEXT}", _since_month),
    _rule(rf"(?P<rel>on|last|this\s+past)\s+{_WEEKDAY}", _weekday),
    _rule(r"(?<!usa\s)(?:today|tonight|yesterday)\b(?!\s+show)", _today, title_guard=True),
    _rule(
        r"(?<!\bthe\s)(?P<rel>this|last)\s+(?P<unit>week|month|year)\b(?!\s+tonight)",
        _this_or_last,
        title_guard=True,
    ),
    _rule(r"(?P<rel>this\s+past|this|last|past)\s+weekend\b", _weekend, title_guard=True),
    _rule(
        r"(?!(?:(?:over|in|during|within|for)\s+)?(?:last|previous)\s+(?:day|week|month|year)s?\b)"
        rf"(?:(?:over|in|during|within|for)\s+)?(?:(?P<the>the|this)\s+)?"
        rf"(?P<rel>past|last|previous)\s+(?:{_NUMBER}\s+)?(?P<unit>days?|weeks?|months?|years?)\b",
        _rolling,
        title_guard=True,
    ),
    _rule(rf"(?:{_NUMBER}\s+)?(?P<unit>days?|weeks?|months?)\s+ago\b", _ago, title_guard=True),
    _rule(r"(?:recently|lately)\b", _recent, title_guard=True),
    _rule(
        r"(?:in\s+)?recent(?:\s+(?P<unit>days|weeks|months)\b|\b(?!\s+(?:years|decades|"
        r"history|memory|past)\b))",
        _recent,
        title_guard=True,
    ),
)


def written_as_name(text: str, start: int) -> bool:
    """A capitalised phrase in mid-sentence is a name: "USA TODAY", "ABC's This Week"."""
    if not text[start].isupper() or text.isupper():
        return False
    before = text[:start].rstrip(" \"'“‘([")
    return bool(before) and before[-1] not in ".!?:;"


def search_text(question: str, window: TimeWindow | None) -> str:
    """The question as retrieval reads it: a relative time phrase ("this week", "yesterday",
    "last month") is taken out once it has become a date window, since its words would match
    any article that says "this week"; a calendar phrase ("in June 2023") stays, as articles
    name their dates."""
    if window is None or window.strict or not window.phrase:
        return question
    text = question.replace(window.phrase, " ", 1)
    return re.sub(r"\s+", " ", text).strip() or question
