from __future__ import annotations

import datetime as dt

import pytest

from eval.metrics import (
    contains_answer,
    distinct,
    first_rank,
    hit_at_k,
    mean,
    normalize,
    percentile,
    reciprocal_rank,
    segments,
    year_of,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Andrés Manuel López Obrador", "andres manuel lopez obrador"),
        ("Pokémon", "pokemon"),
        ("Domino’s", "domino's"),
        ("“Goblin mode”", '"goblin mode"'),
        ("I’m a Celebrity… Get Me Out of Here!", "i'm a celebrity... get me out of here!"),
        ("  STRASSE\u00a0 and\n\tstraße ", "strasse and strasse"),
        ("7–4 vote", "7-4 vote"),
        ("£7m", "£7m"),
    ],
)
def test_normalize_folds_case_accents_quotes_and_space(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "gold"),
    [
        ("Iran launched drones.", "Iran"),
        ("a deal with iran.", "Iran"),
        ("The U.S. killed al-Zawahiri, the leader of al Qaeda [1]", "al Qaeda"),
        ("President Andres Manuel Lopez Obrador said", "Andrés Manuel López Obrador"),
        ("Domino's pulled out of Italy.", "Domino’s"),
        ("Collins named goblin mode its word of the year.", "“Goblin mode”"),
        ("HBO's “Succession” won best drama.", '"Succession"'),
        ("HBO's Succession won best drama.", '“Succession"'),
        ("Germany recorded 104.5 F (40.3C) on Tuesday.", "104.5 F"),
        ("The council voted 7–4 on Tuesday.", "7-4"),
        ("It will cost $412 million in total.", "$412 million"),
        ("It will cost US$412 million in total.", "$412 million"),
        ("It was called 'Powering up Britain'.", "'Powering up Britain'"),
        ("I'm a Celebrity... Get Me Out of Here! returns", "I’m a Celebrity… Get Me Out of Here!"),
    ],
)
def test_contains_answer_matches(text: str, gold: str) -> None:
    assert contains_answer(text, gold)


@pytest.mark.parametrize(
    ("text", "gold"),
    [
        ("Iranian drones were used.", "Iran"),
        ("Drones from Iran2 were used.", "Iran"),
        ("The record was 104.5F.", "104.5 F"),
        ("The record was 1104.5 F.", "104.5 F"),
        ("About 4300 workers struck.", "4,300"),
        ("The council voted 17-4.", "7-4"),
        ("60,000 cubic metres of drinking water a day", "60,000 cubic metres a day"),
        ("Anything at all.", ""),
        ("Anything at all.", " “ ” "),
    ],
)
def test_contains_answer_rejects(text: str, gold: str) -> None:
    assert not contains_answer(text, gold)


def test_contains_answer_finds_a_later_whole_word_occurrence() -> None:
    assert contains_answer("Iranian officials said Iran would respond.", "Iran")


def test_distinct_keeps_first_occurrence() -> None:
    assert distinct(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


RANKED = ["x", "y", "gold", "z", "other-gold"]


def test_first_rank_and_hits() -> None:
    relevant = {"gold", "other-gold"}
    assert first_rank(RANKED, relevant) == 3
    assert first_rank(RANKED, relevant, k=2) is None
    assert first_rank(RANKED, {"missing"}) is None
    assert not hit_at_k(RANKED, relevant, 1)
    assert not hit_at_k(RANKED, relevant, 2)
    assert hit_at_k(RANKED, relevant, 3)
    assert hit_at_k(RANKED, relevant, 10)
    assert not hit_at_k([], relevant, 10)


def test_reciprocal_rank() -> None:
    assert reciprocal_rank(RANKED, {"gold"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(RANKED, {"x", "gold"}) == 1.0
    assert reciprocal_rank(RANKED, {"gold"}, k=2) == 0.0
    assert reciprocal_rank([], {"gold"}) == 0.0


def test_cutoffs_below_one_are_errors() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        hit_at_k(RANKED, {"x"}, 0)
    with pytest.raises(ValueError, match="at least 1"):
        reciprocal_rank(RANKED, {"x"}, 0)


def test_percentile_interpolates_like_numpy() -> None:
    values = [10.0, 40.0, 20.0, 30.0]
    assert percentile(values, 50) == pytest.approx(25.0)
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 40.0
    assert percentile(values, 95) == pytest.approx(38.5)  # numpy.percentile gives 38.5
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile(values, 101)


def test_mean_counts_booleans_and_is_none_when_empty() -> None:
    assert mean([True, False, True, True]) == 0.75
    assert mean([]) is None


def test_year_of_dates_and_iso_strings() -> None:
    assert year_of("2022-06-10") == 2022
    assert year_of(" 2023-01-31T12:00:00 ") == 2023
    assert year_of(dt.date(2024, 2, 29)) == 2024
    assert year_of(None) is None
    assert year_of("") is None
    with pytest.raises(ValueError):
        year_of("June 2022")


def test_segments_group_by_source_and_year_in_order() -> None:
    items = [
        ("c1", "CNN", 2023),
        ("u1", "USAtoday", 2022),
        ("b1", "bbc", 2023),
        ("c2", "CNN", None),  # no date: in no year
        ("n1", None, 2022),  # no source: in no source
        ("e1", "", 2021),  # an empty source is no source
    ]
    groups = segments(items, source=lambda i: i[1], year=lambda i: i[2])
    ids = {kind: {k: [i[0] for i in v] for k, v in g.items()} for kind, g in groups.items()}
    assert ids == {
        "source": {"bbc": ["b1"], "CNN": ["c1", "c2"], "USAtoday": ["u1"]},
        "year": {"2021": ["e1"], "2022": ["u1", "n1"], "2023": ["c1", "b1"]},
    }
    assert list(ids["source"]) == ["bbc", "CNN", "USAtoday"]  # alphabetical, ignoring case
    assert list(ids["year"]) == ["2021", "2022", "2023"]
    assert segments([], source=lambda i: i, year=lambda i: None) == {"source": {}, "year": {}}
