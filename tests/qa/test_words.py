"""Content words and their stems (qa.words), as the answerer compares them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from qa.words import content_words, stem


def test_inflections_meet_in_one_stem() -> None:
    assert {stem(w) for w in ("ended", "ending", "ends", "end")} == {"end"}
    assert {stem(w) for w in ("ferry", "ferries")} == {stem("ferry")}
    assert {stem(w) for w in ("planned", "planning", "plans")} == {"plan"}
    assert stem("votes") == stem("voted") == stem("voting")


def test_numbers_and_amounts_are_kept_as_written() -> None:
    assert [stem(w) for w in ("2026", "$412", "7.5", "o'neill")] == [
        "2026",
        "$412",
        "7.5",
        "o'neill",
    ]
    assert content_words("The plant's cost rose to $412 million in 2026.") == [
        "plant",
        "cost",
        "rose",
        "$412",
        "million",
        "2026",
    ]


def test_stems_agree_across_threads() -> None:
    words = [
        f"{base}{suffix}" for base in ("walk", "jump", "paint") for suffix in ("", "s", "ed", "ing")
    ]
    stem.cache_clear()  # each thread stems for itself, with its own stemmer
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: [stem(w) for w in words], range(64)))
    assert all(r == results[0] for r in results)
    assert set(results[0]) == {"walk", "jump", "paint"}
