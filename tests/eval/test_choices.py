"""``eval.choices``: picking a quiz choice from an answer, its citations and its passages."""

from __future__ import annotations

import pytest

from eval.choices import occurs, pick_choice, words

CHOICES = ["Hezbollah", "Boko Haram", "al Qaeda", "ISIS"]


def test_words_fold_accents_case_quotes_and_punctuation() -> None:
    assert words("Al-Qaeda’s “leader”, Andrés!") == ["al", "qaedas", "leader", "andres"]
    assert occurs(["al", "qaeda"], words("the leader of al Qaeda was killed"))
    assert not occurs(["iran"], words("Iranian drones"))
    assert not occurs([], words("anything"))


def test_number_words_support_a_choice_in_digits() -> None:
    assert words("sentenced to nine years, Twelve said") == [
        "sentenced",
        "to",
        "9",
        "years",
        "12",
        "said",
    ]
    pick = pick_choice(
        ["5", "9", "12", "15"],
        answer="A Russian court sentenced her to nine years in prison. [1]",
        passages=["Prosecutors had asked for 12 years; the maximum is 15."],
    )
    assert pick is not None and (pick.choice, pick.level) == ("9", "answer")


def test_a_partial_match_in_the_answer_is_no_support() -> None:
    pick = pick_choice(
        ["New York", "Philadelphia", "Baltimore"],
        short_answer="Pennsylvania and New Jersey",
        answer="Officials in Pennsylvania and New Jersey said the spill was contained. [1]",
        passages=["Philadelphia was monitoring its drinking water after the spill."],
    )
    assert pick is not None and (pick.choice, pick.level) == ("Philadelphia", "passages")


def test_the_answer_text_decides_first() -> None:
    pick = pick_choice(
        CHOICES,
        answer="A US drone strike killed the leader of al Qaeda. [1]",
        quotes=["Boko Haram said nothing."],
        passages=["ISIS ISIS ISIS", "Hezbollah"],
    )
    assert pick is not None
    assert (pick.index, pick.choice, pick.level) == (2, "al Qaeda", "answer")


def test_an_abstention_falls_back_to_citations_then_passages() -> None:
    pick = pick_choice(
        CHOICES, answer="al Qaeda", abstained=True, quotes=["Boko Haram claimed it."]
    )
    assert pick is not None and (pick.choice, pick.level) == ("Boko Haram", "citations")
    pick = pick_choice(
        CHOICES,
        answer="I couldn't find this in the indexed articles.",
        abstained=True,
        passages=["Nothing about groups.", "Officials blamed ISIS.", "Hezbollah denied it."],
    )
    assert pick is not None and (pick.choice, pick.level) == ("ISIS", "passages")


def test_passages_weigh_by_rank_and_partial_matches_count_half() -> None:
    # "Hezbollah" in passage 2 (1/2) beats "ISIS" in passage 3 (1/3)
    pick = pick_choice(CHOICES, passages=["none", "Hezbollah", "ISIS"])
    assert pick is not None and pick.choice == "Hezbollah"
    choices = ["Recognizing new faces", "Remembering voices", "Feeling hot surfaces"]
    pick = pick_choice(choices, answer="He has trouble recognising faces he has not seen before.")
    # no choice occurs whole; "faces" (1 of 3 words) of the first is in the answer
    assert pick is not None and (pick.index, pick.level) == (0, "answer")


def test_the_short_answer_phrase_comes_before_the_rest_of_the_answer() -> None:
    choices = ["$310 million", "$412 million", "$102 million"]
    answer = (
        "The plant will cost $102 million more than budgeted. [1] The revised estimate puts the "
        "total cost at $412 million, up from $310 million. [2]"
    )
    passages = ["$102 million over budget", "$102 million more", "$412 million"]
    pick = pick_choice(choices, answer=answer, passages=passages)
    assert pick is not None and pick.choice == "$102 million"  # the passages decide
    pick = pick_choice(choices, answer=answer, short_answer="$412 million", passages=passages)
    assert pick is not None and (pick.choice, pick.level) == ("$412 million", "short_answer")
    abstained = pick_choice(choices, short_answer="$412 million", abstained=True)
    assert abstained is not None and abstained.level == "none"


def test_a_longer_choice_that_occurs_beats_one_it_contains() -> None:
    pick = pick_choice(["Iran", "Iran and Iraq"], answer="Both Iran and Iraq sent envoys.")
    assert pick is not None and pick.choice == "Iran and Iraq"


def test_a_longer_choice_that_merely_occurs_too_gains_nothing() -> None:
    # both occur in the answer; the cited sentence, not the length, decides
    pick = pick_choice(
        ["Taylor Swift", "Rihanna"],
        answer="Rihanna will headline the halftime show. Taylor Swift was in the crowd last year.",
        quotes=["Rihanna will headline the halftime show."],
    )
    assert pick is not None and (pick.choice, pick.level) == ("Rihanna", "citations")


def test_nothing_to_go_on_takes_the_first_deterministically() -> None:
    pick = pick_choice(CHOICES, answer="Nothing relevant.")
    assert pick is not None and (pick.index, pick.level) == (0, "none")
    assert pick_choice([]) is None
    again = pick_choice(CHOICES, answer="Nothing relevant.")
    assert again == pick


@pytest.mark.slow
def test_similarity_breaks_a_tie_with_the_real_model() -> None:
    from index.embed import Embedder

    embedder = Embedder("all-MiniLM-L6-v2")
    choices = ["Basketball", "Opera singing"]
    pick = pick_choice(
        choices,
        quotes=["The team won the championship game after a last-second dunk."],
        embedder=embedder,
    )
    assert pick is not None and (pick.choice, pick.level) == ("Basketball", "similarity")
    without = pick_choice(choices, quotes=["The team won the championship game."])
    assert without is not None and without.level == "none"
