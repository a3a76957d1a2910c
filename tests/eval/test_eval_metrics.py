from __future__ import annotations

import datetime as dt
import math

import pytest

from eval.metrics import (
    bootstrap_ci,
    contains_answer,
    distinct,
    exact_match,
    first_rank,
    hit_at_k,
    item_ranks,
    mean,
    ndcg_at_k,
    normalize,
    paired_bootstrap,
    percentile,
    quote_in,
    rank_scores,
    recall_at_k,
    reciprocal_rank,
    segments,
    squad_normalize,
    strip_marks,
    token_f1,
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


# -- several gold items: recall, nDCG ---------------------------------------------------------


def test_rank_scores_by_hand() -> None:
    # two gold items, found at ranks 1 and 3
    s = rank_scores([1, 3], k=5)
    assert (s["hit"], s["recall"], s["rr"]) == (1.0, 1.0, 1.0)
    ideal = 1 + 1 / math.log2(3)
    assert s["ndcg"] == pytest.approx((1 + 1 / math.log2(4)) / ideal)
    s = rank_scores([1, 3], k=2)  # the second is beyond the cut-off
    assert (s["recall"], s["ndcg"]) == (0.5, pytest.approx(1 / ideal))
    assert rank_scores([None, None], k=10) == {"hit": 0.0, "recall": 0.0, "rr": 0.0, "ndcg": 0.0}
    assert rank_scores([4], k=10)["rr"] == 0.25
    assert rank_scores([1, 1], k=10)["ndcg"] == 1.0  # two quotes in one passage: capped
    assert rank_scores([], k=10)["recall"] == 0.0
    with pytest.raises(ValueError, match="at least 1"):
        rank_scores([1], k=0)


def test_recall_and_ndcg_on_ranked_ids() -> None:
    relevant = {"gold", "other-gold"}
    assert recall_at_k(RANKED, relevant, 3) == 0.5
    assert recall_at_k(RANKED, relevant, 5) == 1.0
    assert recall_at_k(RANKED, {"missing"}, 5) == 0.0
    assert ndcg_at_k(["gold", "other-gold", "x"], relevant, 3) == pytest.approx(1.0)
    assert ndcg_at_k(RANKED, relevant, 10) < ndcg_at_k(["gold", "x", "other-gold"], relevant, 10)
    assert item_ranks(["a", "b", "a"], ["a", "c", "b"]) == [1, None, 2]


@pytest.mark.parametrize(
    ("quote", "passage", "found"),
    [
        ("He said “yes.”", 'Then he said "yes" and left.', True),
        (
            "The plant costs $412 million.",
            "Officials said the plant costs $412  million in all.",
            True,
        ),
        ("Andrés won.", "Finally ANDRES WON the vote", True),
        ("The plant costs $412 million.", "The plant costs $41 million.", False),
        ("", "anything", False),
    ],
)
def test_quote_in_passage(quote: str, passage: str, found: bool) -> None:
    assert quote_in(quote, passage) is found


# -- answers, SQuAD style ---------------------------------------------------------------------


def test_squad_normalize_exact_match_and_f1() -> None:
    assert squad_normalize("The  Al-Qaeda!") == "al qaeda"
    assert strip_marks("It cost $412 million. [1] It ran late [2, 3].") == (
        "It cost $412 million. It ran late."
    )
    assert exact_match("the al Qaeda", ["Hezbollah", "al-Qaeda"]) == 1.0
    assert exact_match("al Qaeda leader", ["al Qaeda"]) == 0.0
    assert exact_match("", ["al Qaeda"]) == 0.0
    assert token_f1("leader of al Qaeda", ["al Qaeda"]) == pytest.approx(2 / 3)  # P 1/2, R 1
    assert token_f1("Lena Marovic", ["Marovic", "Lena Marovic"]) == 1.0  # the best answer
    assert token_f1("nothing alike", ["al Qaeda"]) == 0.0
    assert token_f1("anything", []) == 0.0


# -- intervals --------------------------------------------------------------------------------


def test_bootstrap_ci_is_seeded_and_brackets_the_mean() -> None:
    values = [1.0] * 30 + [0.0] * 10
    low, high = bootstrap_ci(values)  # type: ignore[misc]
    assert low < 0.75 < high
    assert low > 0.55 and high < 0.9
    assert bootstrap_ci(values) == (low, high)  # same seed, same interval
    assert bootstrap_ci(values, seed=1) != (low, high)
    assert bootstrap_ci([1.0] * 5) == (1.0, 1.0)
    assert bootstrap_ci([]) is None
    p50 = bootstrap_ci([float(i) for i in range(100)], "p50")
    assert p50 is not None and p50[0] < 49.5 < p50[1]
    with pytest.raises(ValueError, match="unknown statistic"):
        bootstrap_ci([1.0], "median")


def test_paired_bootstrap_sees_a_real_change_and_no_change() -> None:
    a = [0.0] * 20 + [1.0] * 20
    better = paired_bootstrap(a, [1.0] * 40)
    assert (better.n, better.a, better.b, better.delta) == (40, 0.5, 1.0, 0.5)
    assert better.significant and better.low > 0 and better.p_value < 0.01
    same = paired_bootstrap(a, a)
    assert not same.significant and same.p_value == 1.0
    # two flips each way: no net change
    swapped = a[:]
    swapped[0], swapped[1], swapped[20], swapped[21] = 1.0, 1.0, 0.0, 0.0
    assert not paired_bootstrap(a, swapped).significant
    assert paired_bootstrap([], []).n == 0
    with pytest.raises(ValueError, match="differ in length"):
        paired_bootstrap([1.0], [])
