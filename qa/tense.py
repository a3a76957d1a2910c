"""The tense a news sentence speaks of a time phrase in: a past event or a coming one.

``tense_of(sentence, start, end)`` reads the clause around ``sentence[start:end]``: "will vote
Monday" is coming, "resigned on Thursday" past, "said Friday" past whatever follows, a
forecast's heading ("Friday night: Clear") or a condition ("If you're up early Tuesday")
coming. ``qa.when`` uses it to choose between the last and the next such day.
"""

from __future__ import annotations

import re

__all__ = ["PAST", "PAST_WORDS", "clause_span", "tense_of"]

FUTURE = re.compile(
    r"\b(?:will|won't|shall|would|'ll|is\s+to|are\s+to|(?:is|are|be|was|were)\s+(?:set|scheduled|"
    r"slated|expected|due|poised|planning|going)\s+to|plans?\s+to|scheduled\s+(?:for|to)|"
    # "is expected on Monday", "hoped to reconnect homes by Friday", "is planned for Thursday",
    # "was adjourned until Thursday"
    r"expects?|(?:is|are)\s+expected|(?:hopes?|aims?|intends?|wants?)\s+to|"
    # "with snow expected in Columbus on Sunday" (not "as expected", "was expected")
    r"(?<!as\s)(?<!than\s)(?<!not\s)(?<!was\s)(?<!were\s)(?<!had\s)(?<!been\s)"
    r"expected\s+(?:in|on|at|by|from)|"
    r"planned\s+for|(?:is|are)\s+planned|(?:adjourned|postponed|deferred|delayed|pushed\s+back|"
    r"put\s+off)\s+(?:until|till|to)|"
    r"set\s+for|slated\s+for|ahead\s+of|begins?|starts?|opens?|"
    r"comes?|takes?\s+effect|deadline|next(?!\s+to\b)|continues|resumes|kicks\s+off|tips\s+off|"
    r"returns|is\s+scheduled|are\s+scheduled|chance\s+of|forecast\s+(?:to|for)|"
    r"(?:is|are)\s+forecast|heads?\s+into)\b",
    re.IGNORECASE,
)
# "said Friday", "told reporters Monday", "said in a statement on Tuesday"
_PAST_VERB = re.compile(
    r"\b(?:said|says|told|announced|reported|confirmed|wrote|tweeted|posted|added|stated|"
    r"revealed|disclosed|testified|argued|noted)\b"
    r"(?:\s+(?!(?:will|would|could|may|might|shall|to|plans?|expects?)\b)[\w'’.-]+){0,4}?"
    r"\s*(?:on\s+)?$",
    re.IGNORECASE,
)
# a verb in the past tense ("-ed" catches adjectives too: "printed books")
PAST_WORDS = (
    r"\b(?<!\bthe\s)(?<!\ba\s)(?<!\ban\s)(?<!\bmore\s)(?<!\bmost\s)(?<!\bvery\s)"  # adjectives
    r"(?:(?!(?:exce|proce|succe|ne|fe|spe|se|ble|bre|gre|cre|inde|hundr|sacr|wick|nak|"
    r"belov|kindr|hatr)ed\b)\w{2,}ed|said|told|woke|took|made|came|went|met|won|lost|held|"
    r"began|ran|rose|fell|struck|left|paid|sent|spoke|wrote|broke|chose|flew|found|got|hit|"
    r"kept|led|sold|stood|threw|saw|knew|heard|thought|gave|brought|bought|caught|fought|felt|"
    r"built|drove|grew|drew|shot|sat|sang|swore|wore|ate|were|was|weren't|wasn't|did|had)\b"
)
PAST = re.compile(PAST_WORDS, re.IGNORECASE)
_SAID_AFTER = re.compile(r"\s+(?:said|told|announced|confirmed|wrote)\b", re.IGNORECASE)
# "is closing Sunday", "is coming to Delaware on Thursday": an arrangement (no "since" or
# "after" between: "is moving ahead after the vote on Tuesday" tells of the vote)
_ARRANGED = re.compile(
    r"\b(?:is|are|'s|'re)\s+(?:\w+ing|(?:coming|heading|travell?ing|returning|hosting|visiting|"
    r"performing|flying)(?:\s+(?!(?:since|after|before|ago|from)\b)[\w'-]+){1,4})\s+(?:on\s+)?$",
    re.IGNORECASE,
)
# a promotion or an invitation opening the sentence: "Turn to CNN for coverage on Saturday"
_INVITATION = re.compile(
    r"^\W*(?:turn\s+to|tune\s+in|join\s+us|stay\s+tuned|don't\s+miss|find\s+out)\b(?![^:]*:)",
    re.IGNORECASE,
)
# ", officials said" after a phrase dates the saying, not the event
_ATTRIBUTION = re.compile(
    r",\s+(?:[\w.'’-]+\s+){0,4}?(?:said|says|told|announced|confirmed|wrote|reported)\b",
    re.IGNORECASE,
)
# a past verb a few words before the phrase, none of them "to": "arrived Friday"; not one
# that arranges what is to come ("as planned Tuesday", "postponed to Friday")
_PAST_JUST_BEFORE = re.compile(
    r"(?!(?:planned|scheduled|rescheduled|expected|slated|intended|proposed|postponed|delayed|"
    r"moved|pushed|set|adjourned|deferred|hoped|aimed|wanted)\b)"
    rf"{PAST_WORDS}(?:\s+(?!to\b)[\w'’-]+){{0,3}}\s+(?:on\s+)?$",
    re.IGNORECASE,
)
# a deadline still ahead: "faced a deadline Friday" (not "met the deadline Friday")
_DEADLINE_AHEAD = re.compile(
    r"\b(?:faces?|faced|facing|sets?|gave|given|imposed|imposes?|under|new)\s+(?:a|the|an)?\s*$",
    re.IGNORECASE,
)
# a modal (lowercase: "Theresa May" is none), not "could have been"
_MAY = re.compile(r"\b(?:could|may|might|should|can)\b(?!\s+(?:not\s+)?have\b)")
# a condition opening the sentence or a clause ("If you're up early ..."), not "checking if"
_IF = re.compile(r"(?:^|[,;:]\s*|\s[—–]\s*)[\"“]?if\b", re.IGNORECASE)
_CLAUSE = re.compile(r"[;—–()\"“”]|:\s|,\s+(?:and|but|while|as|after|when)\b")


def clause_span(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Where the clause holding ``sentence[start:end]`` begins and ends (``_CLAUSE``)."""
    cuts = [m.end() for m in _CLAUSE.finditer(sentence, 0, start)]
    after = _CLAUSE.search(sentence, end)
    return (cuts[-1] if cuts else 0), (after.start() if after else len(sentence))


def _scheduled(sentence: str, start: int, end: int) -> bool:
    """A forecast's heading ("Friday night: Mostly clear") or a listing ("(Monday, 9 EDT)")."""
    if not sentence[:start].strip() and sentence[end:].lstrip().startswith(":"):
        return True
    return sentence[:start].rstrip().endswith("(") and bool(re.match(r",\s*\d", sentence[end:]))


def tense_of(sentence: str, start: int, end: int) -> str:
    """``"future"`` when the clause around a phrase speaks of a coming event, ``"past"`` when
    it has a verb in the past tense, else ``"present"`` (read as past by most rules: news
    reports what happened).

    An attribution just before the phrase ("said Friday", "told reporters on Monday") is
    past whatever follows."""
    sentence = sentence.replace("’", "'")  # "won’t", "it’ll": same offsets
    if _PAST_VERB.search(sentence[max(0, start - 50) : start]) or _SAID_AFTER.match(sentence, end):
        return "past"
    if (
        _ARRANGED.search(sentence[max(0, start - 60) : start])
        or _scheduled(sentence, start, end)
        or _INVITATION.search(sentence)
    ):
        return "future"
    just_before = _PAST_JUST_BEFORE.search(sentence, max(0, start - 40), start)
    # ... unless a future cue stands between ("will hit the coast from Friday", "was
    # adjourned until Tuesday"), a verb's, not a noun's ("the deadline passed Friday")
    cues = FUTURE.finditer(sentence, max(0, just_before.start() - 12), start) if just_before else ()
    if just_before and all(
        c.group(0).lower() == "deadline" and not _DEADLINE_AHEAD.search(sentence, 0, c.start())
        for c in cues
    ):
        return "past"  # "arrived Friday and will work", "spoke with reporters on Aug. 9"
    begin, stop = clause_span(sentence, start, end)
    # "may stop working Tuesday": a modal governing the verb just before the phrase, even
    # with a past word elsewhere (not "could have been"; not "Monday's crash could cost":
    # that names a past event)
    possessive = sentence[end : end + 2] in ("'s", "’s")
    if not possessive and _MAY.search(sentence, max(begin, start - 25), start):
        return "future"
    after = _ATTRIBUTION.split(sentence[end : min(stop, end + 40)], maxsplit=1)[0]
    clause = sentence[max(begin, start - 90) : start] + " " + after
    if FUTURE.search(clause):
        return "future"
    if PAST.search(clause):
        return "past"
    # "could be cloudy on Tuesday", "fans can watch it Sunday": a modal further before
    if not possessive and _MAY.search(sentence, max(begin, start - 90), start):
        return "future"
    # "If you're up early Tuesday morning, look up": a condition on what is still to come
    return "future" if _IF.search(sentence, 0, start) else "present"
