from __future__ import annotations

from index.sentences import sentence_spans, split_sentences


def test_spans_are_exact_slices() -> None:
    text = "  First one.  Second one!\nThird line without stop\n\nFourth? Yes."
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "First one.",
        "Second one!",
        "Third line without stop",
        "Fourth?",
        "Yes.",
    ]


def test_abbreviations_initials_and_numbers_do_not_split() -> None:
    text = (
        "Mr. Trump met Gen. Qassem in the U.S. capital. J. Smith paid $7.5 million at 10 a.m. "
        'on Friday. "Guess where they were from: IRAN." Then he left.'
    )
    assert split_sentences(text) == [
        "Mr. Trump met Gen. Qassem in the U.S. capital.",
        "J. Smith paid $7.5 million at 10 a.m. on Friday.",
        '"Guess where they were from: IRAN."',
        "Then he left.",
    ]


def test_spans_within_a_window() -> None:
    text = "Alpha one. Beta two. Gamma three."
    start = text.index("Beta")
    assert [text[s:e] for s, e in sentence_spans(text, start)] == ["Beta two.", "Gamma three."]
