"""benchmarks/today_classifier.py: what the learned model is shown of a "today"."""

from __future__ import annotations

import datetime as dt

from benchmarks.today_classifier import features

THURSDAY = dt.date(2026, 3, 12)


def test_features_hold_the_rules_verdict_the_words_around_and_the_marks() -> None:
    sentence = "The region today has a louder voice than ever before."
    start = sentence.index("today")
    generic = features(sentence, start, start + 5, THURSDAY)
    assert generic["rules_generic"] == 1.0  # the rules read the present age
    assert generic["L1_region"] == 1.0 and generic["R1_has"] == 1.0
    assert generic["capital"] == 0.0 and generic["opens"] == 0.0
    dated = "Today's vote was delayed, officials said."
    marks = features(dated, 0, 5, THURSDAY)
    assert marks["rules_generic"] == 0.0  # a day: "today's vote"
    assert marks["possessive"] == 1.0 and marks["opens"] == 1.0 and marks["capital"] == 1.0
    assert marks["past_word"] == 1.0 and "L1_" not in "".join(marks)
