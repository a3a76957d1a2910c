"""Time words that are not dates: names ("USA TODAY", "Super Tuesday", "CBS Sunday
Morning", "the January 6 committee"), habits ("every Sunday", "open from Monday to Friday",
"Saturday night games", "on June 19 annually") and the present age ("the world today",
"today's digital lifestyle"). ``qa.when`` leaves out what ``is_name`` says is one of these.
"""

from __future__ import annotations

import re

from qa.tense import PAST, PAST_WORDS, clause_span, tense_of

__all__ = ["is_name"]


# Names and habits, not dates: "Super Tuesday", "Monday through Friday", "every Sunday".
_NAME_BEFORE = re.compile(
    r"\b(?:super|black|cyber|giving|good|easter|ash|palm|holy|fat|bloody|small\s+business|"
    r"usa|every|each|on\s+alternate|(?:mon|tues|wednes|thurs|fri|satur|sun)day\s+"
    r"(?:through|thru|to|-|–))\s+$",
    re.IGNORECASE,
)
_NAME_AFTER = re.compile(
    r"^(?:s\b|\s+(?:through|thru|to|-|–)\s+(?:mon|tues|wednes|"
    r"thurs|fri|satur|sun)day|\s+night\s+football|\s+programme\b|"
    # "the Today show", not "figures released Wednesday show a record"
    r"\s+show\b(?!\s+(?:a|an|the|that|how|what|no|some|more|[\d$])))",
    re.IGNORECASE,
)


# "today's world", "less respect today than": the present age, not a day
_GENERIC_TODAY = re.compile(
    r"^(?:['’]s\s+(?:world|society|culture|woke|economy|youth|kids|children|generation|"
    r"standards|politics|technology|lifestyle|life|age|era|landscape|times|digital|modern|"
    r"media|workplace|workforce|young|teens|parents|families)\b|\s+than\b)",
    re.IGNORECASE,
)
# a body or inquiry named after a day: "the January 6 committee", "the Jan. 6 hearings"
_BODY_AFTER = re.compile(
    r"^\s+(?:select\s+)?(?:committee|commission|panel|hearings?|investigation|inquiry|probe)\b",
    re.IGNORECASE,
)
# a weekday before a plural of what recurs: "Saturday night games", "Sunday broadcasts"
_HABIT_AFTER = re.compile(
    r"^(?:\s+(?:and|or)\s+\w+day)?\s+(?:mornings|afternoons|evenings|nights)\b|"
    r"^\s+(?:[A-Z][\w-]*\s+){0,3}(?:games|matchups|broadcasts|telecasts|newscasts|episodes|"
    r"editions|services|classes)\b"
)
_MODIFIED = re.compile(r"^(?:last|next|this)\b", re.IGNORECASE)
_ANY_ONE = re.compile(r"(?<![\w&'’.-])(?:a|the|every|each|one|a\s+recent)\s+$", re.IGNORECASE)
# "Today's show", "the Today's edition": a programme (one word: not "last year's show")
_SHOW_AFTER = re.compile(r"^['’]s\s+(?:show|edition|paper)\b", re.IGNORECASE)
# a weekday inside a capitalised name: "CBS Sunday Morning", "the Uniform Monday Holiday Act"
_CAPITAL_BEFORE = re.compile(
    r"(?<![.!?:;]\s)\b(?!(?:On|By|Since|Until|Last|Next|This|Early|Late|From|And|Or|But|For)\b)"
    r"[A-Z][\w&.-]*\s+$"
)
_CAPITAL_AFTER = re.compile(
    r"^\s+(?!(?:And|Or|January|February|March|April|May|June|July|August|September|October|"
    r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b)[A-Z][a-z]+"
)
# a day that comes round every year: "Juneteenth is celebrated on June 19 annually"
_YEARLY_AFTER = re.compile(r"^,?\s+(?:annually|every\s+year|each\s+year)\b", re.IGNORECASE)
# "a Thursday press conference" is a day; "falls on a Tuesday", "the Monday after" are not
_AS_MODIFIER = re.compile(
    r"^\s+(?!(?:after|before|of|when|that|in|on|at|and|or|to|is|was|the|a)\b)[a-z]{3,}",
)
# a verb that dates an event: "announced today", "woke up today", "today marks"
_EVENT_VERB = re.compile(
    rf"{PAST_WORDS}|\b(?:marks|will|is\s+set|are\s+set|arrival|funeral|launch|vote|election|"
    r"hearing|meeting|trial|ceremony|debate|rally|eclipse|deadline|anniversary|summit|verdict|"
    r"sentencing|parade|premiere|begins|starts|opens|launches|kicks\s+off|tips\s+off)\b",
    re.IGNORECASE,
)
# "the criticism you are hearing today was leveled back then": today set against the past
_THEN = re.compile(
    r"\b(?:back\s+then|in\s+the\s+past|used\s+to|these\s+days|nowadays|decades\s+ago|"
    r"than\s+ever|as\s+we\s+know\s+it|still\s+\w+s\s+(?=today)|years\s+ago(?!\s+today))\b",
    re.IGNORECASE,
)


def _generic_today(sentence: str, start: int, end: int) -> bool:
    """ "Today" as the present age ("the world today", "kids today than ever"), not a day:
    a clause in the present tense that dates no event."""
    if _GENERIC_TODAY.search(sentence[end : end + 30]):
        return True
    if sentence[end : end + 2] in ("'s", "’s"):
        return False  # "today's vote"
    if _THEN.search(sentence) and not PAST.search(sentence, max(0, start - 30), start):
        return True
    begin, stop = clause_span(sentence, start, end)
    return not _EVENT_VERB.search(sentence, begin, stop)


_PLAINLY_COMING = re.compile(
    r"\b(?:will|won't|won’t|'ll|’ll|going\s+to|expected\s+to|set\s+to|scheduled|forecast)\b",
    re.IGNORECASE,
)


def _habitual(sentence: str, start: int, end: int) -> bool:
    """A span of weekdays said of what recurs: neither plainly coming nor past."""
    begin, stop = clause_span(sentence, start, end)
    if _PLAINLY_COMING.search(sentence, begin, stop):
        return False
    return tense_of(sentence, start, end) != "past"


def is_name(sentence: str, start: int, end: int, weekday: bool, day: bool = False) -> bool:
    before = sentence[max(0, start - 30) : start]
    after = sentence[end : end + 40]
    if (
        weekday
        and sentence[start:end].lower().startswith("from ")
        and _habitual(sentence, start, end)
    ):
        return True  # "open from Monday to Friday"
    if weekday and re.search(r"[\"“]$", before) and re.match(r"[,.]?[\"”]", after):
        return True  # a title: "Wednesday," on Netflix
    if day and (_BODY_AFTER.search(after) or _YEARLY_AFTER.search(after)):
        return True  # "the January 6 committee", "on June 19 annually"
    if (
        weekday
        and " " not in sentence[start:end]
        and _CAPITAL_BEFORE.search(before)
        and _CAPITAL_AFTER.search(after)
    ):
        return True
    if weekday and _HABIT_AFTER.search(after) and not _MODIFIED.search(sentence[start:end]):
        return True  # "will stream Saturday night Big Ten games"
    if weekday and _ANY_ONE.search(before):  # "on a Tuesday", "one Sunday", "the Monday after"
        return not (before.rstrip().lower().endswith(("a", "the")) and _AS_MODIFIER.search(after))
    if sentence[start:end].lower() == "today" and _generic_today(sentence, start, end):
        return True
    if sentence[start:end].lower() in ("today", "tonight") and _SHOW_AFTER.search(after):
        return True
    return bool(_NAME_BEFORE.search(before) or _NAME_AFTER.search(after))
