"""Time words that are not dates: names ("USA TODAY", "Super Tuesday", "CBS Sunday
Morning", "the January 6 committee"), habits ("every Sunday", "open from Monday to Friday",
"Saturday night games", "on June 19 annually") and the present age ("the world today",
"today's digital lifestyle"). ``qa.when`` leaves out what ``is_name`` says is one of these.
"""

from __future__ import annotations

import re

from qa.date_words import MONTH
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
    # "the Today show", not "figures released Wednesday show a record" nor "show Trump ahead"
    r"\s+show\b(?=\s*(?:[,.;:!?)\"”]|$|host)))",
    re.IGNORECASE,
)


# "today's world", "less respect today than": the present age, not a day
_GENERIC_TODAY = re.compile(
    r"^(?:['’]s\s+(?:world|society|culture|woke|economy|kids|generation|standards|politics|"
    r"technology|digital\s+lifestyle|lifestyle|age|era|landscape|times|workers|people|consumers|"
    r"students|parents|children|teens|teenagers|families|employees|youth|young)\b"
    r"(?!\s+[a-z]+(?:ing|ed)\b)"
    r"|\s+than\b)",
    re.IGNORECASE,
)
# a body or inquiry named after a day: "the January 6 committee", "the Jan. 6 hearings"
_BODY_AFTER = re.compile(
    r"^\s+(?:select\s+)?(?:committee|commission|panel|hearings|investigation|inquiry|probe)\b",
    re.IGNORECASE,
)
_THE_BEFORE = re.compile(r"\bthe\s+$", re.IGNORECASE)
# a weekday counted within a month recurs: "the fourth Thursday in November"
_ORDINAL_BEFORE = re.compile(
    r"\b(?:first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\s+$", re.IGNORECASE
)
_OF_MONTH = re.compile(rf"^\s+(?:of|in)\s+(?:{MONTH}|(?:each|the|every)\s+month\b)", re.IGNORECASE)
# "to get to where she is today", "who I am today": the present age of a life
_WHERE_ONE_IS = re.compile(
    r"\b(?:where|who|what)\s+(?:I|you|he|she|we|they|it)\s+(?:am|is|are|'m|'s|'re|’m|’s|’re)\s+$",
    re.IGNORECASE,
)
# a time of day: "at noon", "at 3 p.m."
_CLOCK = re.compile(r"\bat\s+(?:noon|midnight)\b|\d(?::\d\d)?\s*[ap]\.?m\.", re.IGNORECASE)
# the rest of a short title in quotes: "Monday[ Night Football]"
_QUOTED_TITLE_END = re.compile(r"(?:\s+[A-Z][\w'’-]*){1,3}[,.!?]?[\"”]")
# "we are here today", "resign immediately today": a day, not the present age
_HERE_NOW = re.compile(r"\b(?:here|immediately)\s+$", re.IGNORECASE)
_DAY_NAMED_AFTER = re.compile(r"\s+(?:is|marks)\s+(?:the\s+)?[A-Z]")
_DATE_AFTER = re.compile(rf",?\s+{MONTH}\s+\d", re.IGNORECASE)
# a state that lasts, or the present set beside something: the present age
_STILL = re.compile(
    r"(?<!will\s)(?<!would\s)(?<!could\s)(?<!may\s)(?<!might\s)(?<!should\s)(?<!to\s)"
    r"\bremains?\s+(?!(?:\w+\s+)?(?:closed|open|shut|at\s+large|in\s+effect|in\s+place|"
    r"suspended|off|on|under)\b)(?:\w+\s+){0,2}$|"
    r"\b(?:as|than)\s+(?:\w+\s+){0,2}(?:do|does|are|is)\s+$",
    re.IGNORECASE,
)
# a weekday before a plural of what recurs: "Saturday night games", "Sunday broadcasts"; a
# thing named after a day: "Sunday school"
_HABIT_AFTER = re.compile(
    r"^(?:\s+(?:and|or)\s+\w+day)?\s+(?:mornings|afternoons|evenings|nights)\b|"
    r"^\s+(?:school|best)\b|"
    r"^\s+(?:[A-Z][\w-]*\s+){0,3}(?:games|matchups|broadcasts|telecasts|newscasts|episodes|"
    r"editions)\b"
)
_MODIFIED = re.compile(r"^(?:last|next|this)\b", re.IGNORECASE)
_ANY_ONE = re.compile(
    r"(?<![\w&'’.-])(?:a|the|every|each|one|a\s+recent|"
    r"(?:a|any)\s+(?:typical|normal|usual|regular|given|average))\s+$",
    re.IGNORECASE,
)
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
    r"sentencing|parade|premiere|begins|starts|opens|launches|kicks\s+off|tips\s+off|"
    r"watch|match|game|race|kickoff)\b",
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
    if (
        _GENERIC_TODAY.search(sentence[end : end + 30]) and not _CLOCK.search(sentence)
    ) or _WHERE_ONE_IS.search(sentence, max(0, start - 30), start):
        return True  # "today's workers", but "Today's students will march at noon" is a day
    if (
        _HERE_NOW.search(sentence, max(0, start - 15), start)
        or _DATE_AFTER.match(sentence, end)
        or _DAY_NAMED_AFTER.match(sentence, end)
    ):
        return False  # "here today", "today, Oct. 1", "Today is National Pie Day"
    if _STILL.search(sentence, max(0, start - 40), start):
        return True  # "many remain traumatized today", "as they do today"
    if sentence[end : end + 2] in ("'s", "’s"):
        return False  # "today's vote"
    # "the criticism you are hearing today ... back then" dates nothing, but "in the past,
    # but today the water rose" does
    # (a verb right after "today" is the clause's own: "what we pay today was unthinkable")
    after = PAST.search(sentence, end, end + 30)
    near = PAST.search(sentence, max(0, start - 30), start) or (
        after and sentence[end : after.start()].strip()
    )
    if not near and _THEN.search(sentence, max(0, start - 150), end + 150):
        return True
    begin, stop = clause_span(sentence, start, end)
    begin, stop = max(begin, start - 150), min(stop, end + 150)  # long sentences stay cheap
    return not _EVENT_VERB.search(sentence, begin, stop)


# what recurs: "open from Monday to Friday", "hours are Monday through Saturday"
_HABIT_CUE = re.compile(
    r"\b(?:open|opens|closed|hours|every|each|weekly|daily|weekdays|usually|normally)\b|"
    # "from 9 a.m. to 5 p.m. ET Monday through Friday"
    r"\d(?::\d\d)?\s*[ap]\.?m\.?\s*(?:to|until|-|–)\s*\d",
    re.IGNORECASE,
)


def _habitual(sentence: str, start: int, end: int) -> bool:
    """A span of weekdays said of what recurs: a habit word in its clause, no past tense."""
    begin, stop = clause_span(sentence, start, end)
    cue = _HABIT_CUE.search(sentence, max(begin, start - 80), min(stop, end + 80))
    if cue is None:
        return False
    near = sentence[max(begin, start - 60) : min(stop, end + 60)]
    if cue.group(0)[0].isdigit() and re.search(r"\b(?:this|next)\s+week\b", near, re.IGNORECASE):
        return False  # hours of one week: "runs 8 a.m. to 5 p.m. Thursday to Saturday this week"
    return tense_of(sentence, start, end) != "past"


def _title_case(sentence: str) -> bool:
    """A headline written in title case ("Trump Signs Bill Tuesday Amid Protests")."""
    words = re.findall(r"[A-Za-z][\w'’-]*", sentence)
    return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def is_name(
    sentence: str, start: int, end: int, weekday: bool, day: bool = False, span: bool = False
) -> bool:
    """Whether ``sentence[start:end]``, a time phrase found there, is a name, a habit or the
    present age rather than days (``weekday``: a weekday phrase, ``day``: a month-day,
    ``span``: a run of weekdays, "from Monday to Friday")."""
    before = sentence[max(0, start - 30) : start]
    after = sentence[end : end + 40]
    if span:
        return _habitual(sentence, start, end)  # "open from Monday to Friday"
    if weekday and re.search(r"[\"“]$", before) and re.match(r"[,.]?[\"”]", after):
        return True  # a title: "Wednesday," on Netflix
    if weekday and re.search(r"[\"“]$", before) and _QUOTED_TITLE_END.match(after):
        return True  # a title: "Monday Night Football"
    if weekday and _ORDINAL_BEFORE.search(before) and _OF_MONTH.search(after):
        return True  # "the third Monday of February"
    if day and _YEARLY_AFTER.search(after):
        return True  # "on June 19 annually"
    if day and _BODY_AFTER.search(after) and _THE_BEFORE.search(before):
        return True  # "the January 6 committee", not "a judge set an April 4 hearing"
    if (
        weekday
        and " " not in sentence[start:end]
        and _CAPITAL_BEFORE.search(before)
        and _CAPITAL_AFTER.search(after)
        and not _title_case(sentence)
    ):
        return True
    if (
        weekday
        and re.search(r"\s(?:Morning|Afternoon|Evening|Night)$", sentence[start:end])
        and not _title_case(sentence)
    ):
        return True  # a programme: "CBS Sunday Morning", "Monday Night Football"
    if weekday and _HABIT_AFTER.search(after) and not _MODIFIED.search(sentence[start:end]):
        return True  # "will stream Saturday night Big Ten games"
    if weekday and _ANY_ONE.search(before):  # "on a Tuesday", "one Sunday", "the Monday after"
        return not (before.rstrip().lower().endswith(("a", "the")) and _AS_MODIFIER.search(after))
    if sentence[start:end].lower() == "today" and _generic_today(sentence, start, end):
        return True
    if sentence[start:end].lower() in ("today", "tonight") and _SHOW_AFTER.search(after):
        return True
    return bool(_NAME_BEFORE.search(before) or _NAME_AFTER.search(after))
