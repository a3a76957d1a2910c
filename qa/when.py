"""The dates a sentence speaks of, resolved against its article's publication date.

Quotes stay exact, so they keep their relative dates: "pleaded guilty on Thursday" says
nothing about which Thursday until it is read against the day the article came out.
``resolve_dates(sentence, published)`` finds the time phrases of a sentence and gives each
the days it means (``DateMention``), for the reader to see beside the quote and for
timelines to order events by. The quote itself is never changed.

The phrases are found by the project's own patterns (news wording: "Thursday night",
"earlier this month", "this past Sunday", "Sept. 6"), and most are resolved by ``dateparser``
with the publication date as ``RELATIVE_BASE``. Own rules only where it reads news wrongly:

- a weekday said on that same weekday is that day ("announced Thursday" in Thursday's
  paper), not a week before or after; the sentence's tense decides past or coming
  ("will vote Monday", "is set to begin on Monday", "said it would decide Friday");
- a month and day without a year is the nearest such day that fits the tense;
- "earlier this month", "this past week", "this weekend", "the past year" and the like;
- names and generic uses are not dates: "USA TODAY", "Super Tuesday", "Black Friday",
  "Monday through Friday", "every Sunday", "today's world" where "today" is a title;
- a phrase that counts from another date ("the next day", "two days later", "that
  Thursday") cannot be resolved from the publication date: it is listed as unresolved, as
  is every relative phrase of an article without a publication date.

A mention's days run from ``date`` to ``until``, with a ``precision``: ``day``, ``week``
(Monday to Sunday), ``month``, ``year`` or ``range`` (a weekend, "the past three days").
Full calendar dates ("July 25, 2022") are listed too, with ``relative=False``: they need
no resolving but place a sentence in time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qa.date_names import is_name
from qa.date_words import (
    AGO_UNIT,
    BOUND,
    DATE_DAY,
    MONTH,
    MONTH2,
    NO_YEAR,
    NUMBER,
    NUMBER2,
    PART,
    RANGE_END,
    WEEKDAY,
    WEEKDAY2,
    YEAR,
    count_of,
    month_compared,
    span_of,
    year_told,
)
from qa.dates import WEEKDAYS, back, month_number, written_as_name
from qa.tense import tense_of

__all__ = ["DateMention", "day_label", "days_label", "reported_on", "resolve_dates"]

_DAY = dt.timedelta(days=1)
MAX_CHARS = 2000


@dataclass(frozen=True)
class DateMention:
    """A time phrase of a sentence and the days it means (``date`` to ``until``)."""

    start: int  # offsets in the sentence
    end: int
    text: str  # the phrase as written, e.g. "on Thursday night"
    date: dt.date | None  # the first day meant; None: unresolved
    until: dt.date | None  # the last day meant
    precision: str  # "day", "week", "month", "year", "range"; "" when unresolved
    relative: bool = True  # False: a full calendar date, written out
    coming: bool = False  # the sentence speaks of it as still to come ("will vote Monday")
    # a bare weekday whose tense the sentence does not give ("has the day off Monday"): read
    # as past like most news, but the coming one may be meant; this is that later day
    alternative: dt.date | None = None

    @property
    def resolved(self) -> bool:
        return self.date is not None

    @property
    def label(self) -> str:
        """How the chat shows it: "Thu 4 Aug 2022", "week of 1 Aug 2022", "Aug 2022"."""
        if self.date is None or self.until is None:
            return "unresolved"
        return days_label(self.date, self.until, self.precision)

    def described(self) -> str:
        """``label``, with the other reading where the sentence's tense does not decide:
        "Mon 15 Aug 2022 (or Mon 22 Aug 2022, if still to come)"."""
        if self.alternative is None or self.date is None:
            return self.label
        return f"{self.label} (or {day_label(self.alternative, weekday=True)}, if still to come)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "date": self.date.isoformat() if self.date else None,
            "until": self.until.isoformat() if self.until else None,
            "precision": self.precision,
            "resolved": self.resolved,
            "relative": self.relative,
            "coming": self.coming,
            "alternative": self.alternative.isoformat() if self.alternative else None,
            "label": self.label,
        }


def days_label(date: dt.date, until: dt.date, precision: str) -> str:
    """Days as the app shows them: "Thu 4 Aug 2022", "week of 1 Aug 2022", "Aug 2022",
    "2022", "6 Aug 2022 to 7 Aug 2022"."""
    if precision == "day":
        return day_label(date, weekday=True)
    if precision == "week":
        return f"week of {day_label(date)}"
    if precision == "month":
        return f"{_MONTH_NAMES[date.month - 1]} {date.year}"
    if precision == "year":
        return str(date.year)
    return f"{day_label(date)} to {day_label(until)}"


def _latest_day(mentions: tuple[DateMention, ...]) -> dt.date | None:
    """The latest single day ``mentions`` name, if any."""
    return max((m.date for m in mentions if m.date and m.precision == "day"), default=None)


def reported_on(sentence: str, published: dt.date | None) -> dt.date | None:
    """The day a sentence reports as of: the day it says so of ("about 1,000 as of last
    Friday"), else its article's publication date (a figure in Friday's paper is Friday's
    figure), else (undated) the latest day it names, if any."""
    mentions = resolve_dates(sentence, published)
    for m in mentions:
        said = sentence[max(0, m.start - 6) : m.start].lower()
        if m.until is None or m.precision != "day" or m.coming or not said.endswith("as of "):
            continue
        if published is None or m.until <= published:  # not "fares will rise as of Monday"
            return m.until
    return published if published is not None else _latest_day(mentions)


# English names whatever the process locale (strftime's %a and %b follow it)
_DAY_NAMES = "Mon Tue Wed Thu Fri Sat Sun".split()
_MONTH_NAMES = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def day_label(day: dt.date, weekday: bool = False) -> str:
    """ "4 Aug 2022" (or "Thu 4 Aug 2022")."""
    text = f"{day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"
    return f"{_DAY_NAMES[day.weekday()]} {text}" if weekday else text


@functools.lru_cache(maxsize=4096)
def resolve_dates(sentence: str, published: dt.date | None) -> tuple[DateMention, ...]:
    """Every time phrase of ``sentence``, in order, resolved against ``published`` (the
    article's publication date; ``None`` leaves the relative ones unresolved). Remembered:
    a timeline and the citations it makes read the same sentences. Only the first
    ``MAX_CHARS`` are read (a "sentence" longer than that is no sentence)."""
    found: list[tuple[re.Match[str], _Rule]] = []
    for rule in _RULES:  # in order of preference where two phrases of a length overlap
        for m in rule.pattern.finditer(sentence, 0, MAX_CHARS):
            if rule.title_guard and written_as_name(sentence, m.start()):
                continue
            weekday, day = rule.resolve is _weekday, rule.resolve is _yearless_day
            span = weekday and bool(m.groupdict().get("weekday2"))
            if not is_name(sentence, m.start(), m.end(), weekday, day, span):
                found.append((m, rule))
    # the longest phrase wins where phrases overlap ("Thursday, Aug. 4, 2022" over "Thursday")
    # ("Oct. 15" over "10 Oct." in "Indiana 10 Oct. 15", as American news writes days)
    found.sort(
        key=lambda item: (-(item[0].end() - item[0].start()), _RANK[item[1]], item[0].start())
    )
    taken: list[tuple[int, int]] = []
    mentions = []
    for m, rule in found:
        start, end = m.span()
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        mentions.append(_mention(sentence, m, rule, published))
    return tuple(sorted(mentions, key=lambda mention: mention.start))


def _mention(
    sentence: str, m: re.Match[str], rule: _Rule, published: dt.date | None
) -> DateMention:
    days: tuple[dt.date, dt.date, str] | None = None
    tense = tense_of(sentence, m.start(), m.end())
    if published is not None or not rule.relative:
        try:
            days = rule.resolve(m, published or dt.date.min, tense)
        except (ValueError, OverflowError):  # "February 30", "9999 years ago"
            days = None
    date, until, precision = days if days else (None, None, "")
    coming = tense == "future" and date is not None
    alternative = None
    groups = m.groupdict()
    bare = (groups.get("mod") or "on").lower() in ("on", "early", "late")
    bare = bare and not groups.get("weekday2")
    # (not past 9999-12-31, a placeholder some archives use)
    if (
        rule.resolve is _weekday
        and bare
        and tense == "present"
        and date is not None
        and date != published
        and date < dt.date.max - 7 * _DAY
    ):
        alternative = date + 7 * _DAY  # read as the last such day; it may be the next
    return DateMention(
        m.start(), m.end(), m.group(0), date, until, precision, rule.relative, coming, alternative
    )


# --- dateparser, with the publication date as "now" ----------------------------------------


@functools.lru_cache(maxsize=4096)
def _parsed(phrase: str, base: dt.date, prefer: str) -> tuple[dt.date, str] | None:
    from dateparser.date import DateDataParser

    parser = DateDataParser(
        languages=["en"],
        settings={
            "RELATIVE_BASE": dt.datetime.combine(base, dt.time(12)),
            "PREFER_DATES_FROM": prefer,
            "RETURN_TIME_AS_PERIOD": False,
        },
    )
    data = parser.get_date_data(phrase)
    if data.date_obj is None:
        return None
    return data.date_obj.date(), str(data.period or "day")


def _by_dateparser(phrase: str, base: dt.date, tense: str) -> tuple[dt.date, dt.date, str] | None:
    parsed = _parsed(phrase, base, "future" if tense == "future" else "past")
    return span_of(*parsed) if parsed else None


# --- the phrases -------------------------------------------------------------------------

_Resolver = Callable[[re.Match[str], dt.date, str], "tuple[dt.date, dt.date, str] | None"]


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    resolve: _Resolver
    relative: bool = True
    title_guard: bool = False  # capitalised in mid-sentence: a name ("USA TODAY")


def _weekday(m: re.Match[str], base: dt.date, tense: str) -> tuple[dt.date, dt.date, str]:
    wanted = WEEKDAYS.index(m["weekday"].lower())
    groups = m.groupdict()
    modifier = (groups.get("mod") or "").lower().split()
    if modifier[:1] == ["next"] or modifier[-1:] == ["coming"]:
        tense = "future"
    elif modifier[:1] == ["last"] or modifier[-1:] == ["past"]:
        tense = "past"
    back = (base.weekday() - wanted) % 7
    if tense == "future":
        day = base + ((wanted - base.weekday()) % 7) * _DAY
        if modifier[:1] == ["next"] and day == base:
            day += 7 * _DAY
    else:
        day = base - back * _DAY
        if modifier[:1] == ["last"] and day == base:  # "last Tuesday" said on a Tuesday
            day -= 7 * _DAY
    if groups.get("weekday2"):  # "from Thursday to Friday"
        until = day + ((WEEKDAYS.index(groups["weekday2"].lower()) - wanted) % 7) * _DAY
        if tense == "past" and until > base:  # "battered the coast from Wednesday to Friday"
            day, until = day - 7 * _DAY, until - 7 * _DAY
        return day, until, "range"
    return day, day, "day"


def _near(m: re.Match[str], base: dt.date, tense: str) -> tuple[dt.date, dt.date, str] | None:
    phrase = " ".join((m["word"] or m["near"]).lower().split())
    if phrase == "last night":
        return base - _DAY, base - _DAY, "day"
    if phrase.split()[0] in ("yesterday", "tomorrow"):
        return _by_dateparser(phrase.split()[0], base, tense)
    return base, base, "day"  # today, tonight, this morning, earlier today


def _period(m: re.Match[str], base: dt.date, tense: str) -> tuple[dt.date, dt.date, str] | None:
    unit = m["unit"].lower()
    rel = " ".join(m["rel"].lower().split()).removeprefix("over ")
    if rel in ("the past", "the last", "this past", "the previous"):
        if unit != "weekend":
            return back(base, 1, unit), base, "range"
        since = (base.weekday() - 5) % 7  # days since the latest Saturday
        saturday = base - (since if since >= 2 else since + 7) * _DAY  # one wholly past
        return saturday, saturday + _DAY, "range"
    if unit == "weekend":
        saturday = base + ((5 - base.weekday()) % 7) * _DAY  # this weekend: the coming one
        if rel == "last" or (rel == "this" and tense == "past" and base.weekday() < 3):
            saturday -= 7 * _DAY
        elif rel == "next" and base.weekday() < 5:
            saturday += 7 * _DAY
        return saturday, saturday + _DAY, "range"
    return _by_dateparser(f"{rel} {unit}", base, tense)


def _counted(m: re.Match[str], group: str, unit: str) -> int | None:
    """The number of units ago that names a day, or ``None``: "a few days ago", "4,500 years
    ago" (an age, not a calendar year) and "more than a year ago" (a bound) name none."""
    try:
        number = count_of(m[group])
    except ValueError:
        return None
    if unit.startswith("year") and number >= 1000:
        return None
    if BOUND.search(m.string, 0, m.start()):
        return None
    return number


def _ago(m: re.Match[str], base: dt.date, tense: str) -> tuple[dt.date, dt.date, str] | None:
    unit = m["unit"].lower()
    told = year_told(m, base, unit)
    if told is not None:
        return told
    compared = month_compared(m, base, tense)
    if compared is not None:
        return compared
    number = _counted(m, "n", unit)
    return None if number is None else _by_dateparser(f"{number} {unit} ago", base, "past")


def _ago_today(m: re.Match[str], base: dt.date, tense: str) -> tuple[dt.date, dt.date, str] | None:
    """ "One year ago today": the same day, years back."""
    years = _counted(m, "n", "years")
    if years is None:
        return None
    day = back(base, years, "years")
    return day, day, "day"


def _ago_either(m: re.Match[str], base: dt.date, tense: str) -> tuple[dt.date, dt.date, str] | None:
    """ "three or four years ago": from the further one's first day to the nearer one's last."""
    unit = m["unit"].lower()
    counts = [_counted(m, group, unit) for group in ("n", "n2")]
    if None in counts:
        return None
    longer, shorter = max(counts), min(counts)  # type: ignore[type-var]
    first = _by_dateparser(f"{longer} {unit} ago", base, "past")
    last = _by_dateparser(f"{shorter} {unit} ago", base, "past")
    if first is None or last is None:
        return None
    return first[0], last[1], "range"


def _yearless_day(m: re.Match[str], base: dt.date, tense: str) -> tuple[dt.date, dt.date, str]:
    month, day = month_number(m["month"]), int(m["day"])
    for event, context in _KNOWN_DAYS:
        if (event.month, event.day) != (month, day) or base <= event:
            continue
        if context.search(m.string) or _EVENT_AFTER.match(m.string, m.end()):
            return event, event, "day"  # "the Jan. 6 attack" in 2022 is 6 Jan 2021
    candidates = []
    for year in (base.year - 1, base.year, base.year + 1):
        try:
            candidates.append(dt.date(year, month, day))
        except ValueError:  # February 29
            continue
    if not candidates:
        raise ValueError(f"no such day: {m.group(0)}")
    named = m.groupdict().get("weekday")
    if named:  # "on Thursday, Aug. 4": the year in which it is that weekday, within half a year
        candidates = [
            d
            for d in candidates
            if WEEKDAYS[d.weekday()] == named.lower() and abs((d - base).days) <= 200
        ] or candidates
    past = [d for d in candidates if d <= base]
    coming = [d for d in candidates if d >= base]
    nearest = min(candidates, key=lambda d: abs((d - base).days))
    # the tense decides unless the other occurrence is much nearer (tense is read from a
    # few words: "the trial that began June 6" may sit in a clause about a coming verdict)
    within = 2 * abs((nearest - base).days)  # twice as far as the nearest, at most
    if tense == "future" and coming and (coming[0] - base).days <= within:
        chosen = coming[0]
    elif tense == "past" and past and (base - past[-1]).days <= within:
        chosen = past[-1]
    else:
        chosen = nearest
    groups = m.groupdict()
    if groups.get("to") and int(groups["to"]) > chosen.day:  # "June 10-20"
        return chosen, chosen.replace(day=int(groups["to"])), "range"
    if groups.get("month2"):  # "from Feb. 28 to March 2"
        until = dt.date(chosen.year, month_number(groups["month2"]), int(groups["day2"]))
        return chosen, until if until >= chosen else until.replace(year=until.year + 1), "range"
    return chosen, chosen, "day"


def _named_year(m: re.Match[str], base: dt.date) -> int:
    """The year of "last year", "this year" or "next year"."""
    return base.year + {"last": -1, "this": 0, "next": 1}[m["rel"].lower()]


def _month_of_year(m: re.Match[str], base: dt.date, tense: str) -> tuple[dt.date, dt.date, str]:
    return span_of(dt.date(_named_year(m, base), month_number(m["month"]), 1), "month")


def _months_of_year(m: re.Match[str], base: dt.date, tense: str) -> tuple[dt.date, dt.date, str]:
    """ "between January and December of last year" """
    year = _named_year(m, base)
    first, last = month_number(m["month"]), month_number(m["month2"])
    # "between December and February of last year": the winter that ends in that year
    begin = dt.date(year if first <= last else year - 1, first, 1)
    return begin, span_of(dt.date(year, last, 1), "month")[1], "range"


def _yearless_month(m: re.Match[str], base: dt.date, tense: str) -> tuple[dt.date, dt.date, str]:
    month = month_number(m["month"])
    year = base.year
    if tense == "future" and month < base.month:
        year += 1
    elif tense == "past" and month > base.month:
        year -= 1
    return span_of(dt.date(year, month, 1), "month")


def _full_day(m: re.Match[str], base: dt.date, tense: str) -> tuple[dt.date, dt.date, str]:
    day = dt.date(int(m["year"]), month_number(m["month"]), int(m["day"]))
    return day, day, "day"


def _full_range(m: re.Match[str], base: dt.date, tense: str) -> tuple[dt.date, dt.date, str]:
    until = dt.date(int(m["year"]), month_number(m["month2"] or m["month"]), int(m["to"]))
    first = dt.date(until.year, month_number(m["month"]), int(m["day"]))
    if first > until:  # "Dec. 30 to Jan. 2, 2025"
        first = first.replace(year=first.year - 1)
    return first, until, "range"


def _full_month(m: re.Match[str], base: dt.date, tense: str) -> tuple[dt.date, dt.date, str]:
    return span_of(dt.date(int(m["year"]), month_number(m["month"]), 1), "month")


def _unresolvable(m: re.Match[str], base: dt.date, tense: str) -> None:
    return None


# days that news names without a year long after ("the Capitol riot on Jan. 6"): world
# knowledge no publication date gives, read only when the sentence speaks of the event
_KNOWN_DAYS = tuple(
    (day, re.compile(context, re.IGNORECASE))
    for day, context in (
        (
            dt.date(2001, 9, 11),
            r"\b(?:terroris\w*|hijack\w*|twin\s+towers|world\s+trade|al[- ]qaeda)\b",
        ),
        (dt.date(2021, 1, 6), r"\b(?:capitol|insurrection\w*|rioters)\b"),
        (dt.date(2023, 10, 7), r"\b(?:hamas|hostages?)\b"),
    )
)

# "the Jan. 6 attack", "the September 11 attacks": the day names the event
_EVENT_AFTER = re.compile(r"\s+(?:attacks?|riots?|insurrection|massacre)\b", re.IGNORECASE)


def _rule(pattern: str, resolve: _Resolver, **kwargs: Any) -> _Rule:
    return _Rule(re.compile(rf"\b{pattern}", re.IGNORECASE), resolve, **kwargs)


_RULES = (
    # full calendar dates: nothing to resolve, but they place the sentence in time
    _rule(rf"(?:{WEEKDAY},?\s+)?{MONTH}\s+{DATE_DAY},?\s+{YEAR}", _full_day, relative=False),
    _rule(
        rf"(?:{WEEKDAY},?\s+)?{DATE_DAY}\s+(?:of\s+)?{MONTH},?\s+{YEAR}",
        _full_day,
        relative=False,
    ),
    _rule(rf"{MONTH},?\s+(?:of\s+)?{YEAR}", _full_month, relative=False),
    # a day of a month without its year ("Sept. 6", "on Thursday, Aug. 4", "6 September")
    _rule(
        rf"(?:{WEEKDAY},?\s+)?{MONTH}\s+{DATE_DAY}"
        rf"(?:\s*(?:[-–]|and|through|to)\s*(?P<to>[12]?\d|3[01])\b{RANGE_END})?"
        rf"{NO_YEAR}(?!\s*[:/.]\s*\d)",
        _yearless_day,
    ),
    # "Oct. 5 and 6, 2024", "from Feb. 28 to March 2, 2025": written out, with the year
    _rule(
        rf"(?:from\s+)?{MONTH}\s+{DATE_DAY}\s*(?:[-–]|and|through|to|until)\s*"
        rf"(?:{MONTH2}\s+)?(?P<to>[12]?\d|3[01])\b,?\s+{YEAR}",
        _full_range,
        relative=False,
    ),
    # "from Feb. 28 to March 2", "from Saturday, Oct. 28, to Tuesday, Oct. 31"
    _rule(
        rf"(?:from\s+|(?P<between>between\s+))?(?:{WEEKDAY},?\s+)?{MONTH}\s+{DATE_DAY},?"
        rf"(?:\s*(?:to|through|until|-|–)|(?(between)\s+and|(?!)))\s*"
        rf"(?:{WEEKDAY2},?\s+)?"
        rf"{MONTH2}\s+(?P<day2>[12]?\d|3[01])\b{NO_YEAR}",
        _yearless_day,
    ),
    # "May last year", "in October of last year", "between January and March of this year"
    _rule(
        rf"between\s+{MONTH}\s+and\s+{MONTH2}\s+"
        r"(?:of\s+)?(?P<rel>last|this|next)\s+year\b",
        _months_of_year,
    ),
    _rule(rf"{MONTH}\s+(?:of\s+)?(?P<rel>last|this|next)\s+year\b", _month_of_year),
    _rule(rf"(?:{WEEKDAY},?\s+)?(?:the\s+)?{DATE_DAY}\s+(?:of\s+)?{MONTH}{NO_YEAR}", _yearless_day),
    _rule(
        rf"(?:in|during|since|by|until|through|(?:early|mid|late)[-\s]|this|next|last)\s+"
        rf"(?!may\b){MONTH}{NO_YEAR}(?!\.?\s*\d)",
        _yearless_month,
    ),
    # weekdays; "from Thursday to Friday", "Friday through Sunday"
    _rule(
        rf"(?:from\s+)?{WEEKDAY}{PART}\s+(?:to|through|until|into)\s+"
        rf"{WEEKDAY2}{PART}",
        _weekday,
    ),
    _rule(
        rf"(?:(?P<mod>last|next|this\s+past|this\s+coming|this|on|early|late)\s+)?"
        rf"{WEEKDAY}{PART}",
        _weekday,
    ),
    # today, tonight, yesterday, tomorrow, last night, this morning, earlier today
    _rule(
        r"(?P<word>yesterday|today|tonight|tomorrow)(?:\s+(?:morning|afternoon|evening|"
        r"night))?\b|(?P<near>last\s+night|this\s+(?:morning|afternoon|evening)|"
        r"(?:earlier|later)\s+today)\b",
        _near,
        title_guard=True,
    ),
    # last week, earlier this month, this past weekend, the past year
    _rule(
        r"(?:(?:earlier|later)\s+)?(?P<rel>last|this\s+past|this\s+coming|this|next|"
        r"(?:over\s+)?the\s+(?:past|last|previous))\s+(?P<unit>week|weekend|month|year)\b"
        r"(?!\s+of\b)",
        _period,
        title_guard=True,
    ),
    # three days ago, two weeks ago, a year ago; three or four years ago; a year ago today
    _rule(rf"{NUMBER}\s+{AGO_UNIT}", _ago),
    _rule(rf"{NUMBER}\s+(?:or|to)\s+{NUMBER2}\s+{AGO_UNIT}", _ago_either),
    _rule(rf"{NUMBER}\s+years?\s+ago\s+today\b", _ago_today),
    # counted from another date, not from the publication date
    _rule(
        r"(?:the\s+(?:previous|next|following)\s+(?:day|week|month|year|morning|night)|"
        r"the\s+day\s+(?:before|after)|(?:a|one|two|three|four|five|six|\d+)\s+"
        r"(?:days?|weeks?|months?|years?)\s+(?:later|earlier|before|after)\b|"
        r"that\s+(?:day|week|morning|night|weekend)|"
        rf"(?:on|by|until|since)\s+that\s+{WEEKDAY})\b",
        _unresolvable,
    ),
)

_RANK = {rule: n for n, rule in enumerate(_RULES)}  # the first of two rules wins a tie
