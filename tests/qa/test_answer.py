"""The extractive answerer's learned pieces: the sentence features, the recency of the
cited article, questions never quoted, the abstention model, and the tuner that fits them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from benchmarks.tune_extractive import Item, fit_weights
from index.embed import Embedder
from qa.answer import (
    DATED_ABSTENTION,
    FEATURES,
    UNDATED_ABSTENTION,
    AbstentionModel,
    ExtractiveAnswerer,
    SentenceFeatures,
)
from qa.retrieve import Passage
from qa.types import NOT_FOUND


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def passage(article: str, text: str, score: float, published: str | None) -> Passage:
    day = dt.date.fromisoformat(published) if published else None
    return Passage("c" + article, article, article, "", "", day, 0, len(text), text, score)


def test_the_article_nearest_the_question_date_is_quoted_first(embedder: Embedder) -> None:
    """Two outlets report the same vote a year apart; asked as of a date, the sentence from
    the article of that week leads; without a date the better-matching one does."""
    old = passage(
        "old", "The harbor board approved 12 new berths for the ferry line.", 0.9, "2025-03-02"
    )
    new = passage(
        "new", "The harbor board approved 15 new berths for the ferry line.", 0.9, "2026-03-04"
    )
    answerer = ExtractiveAnswerer(embedder)
    question = "How many new berths did the harbor board approve?"
    as_of = answerer.run(question, [old, new], dt.date(2026, 3, 6))
    assert as_of.citations[0].article_id == "new"
    assert "15" in as_of.citations[0].quote
    a_year_earlier = answerer.run(question, [old, new], dt.date(2025, 3, 3))
    assert a_year_earlier.citations[0].article_id == "old"


def test_a_question_in_an_article_is_never_quoted(embedder: Embedder) -> None:
    text = (
        "Which bird did the rangers count on the island this spring? "
        "The rangers counted 214 puffins on the island this spring, up from 180."
    )
    found = ExtractiveAnswerer(embedder, abstain_threshold=math.inf).run(
        "Which bird did the rangers count on the island this spring?",
        [passage("quiz", text, 1.0, "2026-05-01")],
        dt.date(2026, 5, 2),
    )
    assert not found.abstained
    assert [c.quote for c in found.citations] == [
        "The rangers counted 214 puffins on the island this spring, up from 180."
    ]


def test_features_have_one_row_per_shortlisted_sentence(embedder: Embedder) -> None:
    body = " ".join(
        f"Sentence number {i} mentions the ferry and the harbor board." for i in range(60)
    )
    answerer = ExtractiveAnswerer(embedder)
    found = answerer.features("What did the harbor board say?", [passage("a", body, 0.8, None)])
    assert found.values.shape == (answerer.weights.shortlist, len(FEATURES))
    assert len(found.sentences) == answerer.weights.shortlist
    recent = found.values[:, FEATURES.index("recent")]
    assert (recent == 1.0).all()  # no reference date: every article counts as current
    similarity = found.values[:, FEATURES.index("similarity")]
    assert ((similarity > 0.2) & (similarity <= 1.0)).all()


def test_the_abstention_threshold_decides(embedder: Embedder) -> None:
    text = "The harbor board approved 15 new berths for the ferry line on Tuesday."
    passages = [passage("a", text, 0.3, "2020-01-01")]
    question = "How many berths did the harbor board approve?"
    never = ExtractiveAnswerer(embedder, abstain_threshold=math.inf)
    always = ExtractiveAnswerer(embedder, abstain_threshold=-math.inf)
    assert not never.run(question, passages, dt.date(2026, 1, 1)).abstained
    assert always.run(question, passages, dt.date(2026, 1, 1)).text == NOT_FOUND
    scored = never.score_sentences(question, passages, dt.date(2026, 1, 1))
    inputs = AbstentionModel.inputs(scored, passages, dt.date(2026, 1, 1))
    assert len(inputs) == len(AbstentionModel.INPUTS)
    # its inputs mean the same with and without a date
    assert list(inputs) == list(AbstentionModel.inputs(scored, passages, None))
    # a weaker retrieval score reads as likelier unanswered
    weaker = [passage("a", text, 0.1, "2020-01-01")]
    model = DATED_ABSTENTION
    assert model.logit(scored, weaker, dt.date(2026, 1, 1)) > model.logit(
        scored, passages, dt.date(2026, 1, 1)
    )


def test_without_a_date_the_undated_model_decides(embedder: Embedder) -> None:
    """No mode falls back to "always answer": without a reference date the undated model
    is asked, and it reads a question about names the passages never mention as likelier
    unanswered."""
    text = "The harbor board approved 15 new berths for the ferry line on Tuesday."
    passages = [passage("a", text, 0.9, "2026-01-02")]
    question = "How many berths did the harbor board approve?"
    assert (
        ExtractiveAnswerer(embedder, abstain_threshold=-math.inf).run(question, passages).abstained
    )
    answerer = ExtractiveAnswerer(embedder, abstain_threshold=math.inf)
    assert not answerer.run(question, passages).abstained
    off_topic = "Who is the prime minister of Japan?"
    logits = []
    for asked in (question, off_topic):
        scored = answerer.score_sentences(asked, passages)
        short = answerer.short_answer(asked, scored, passages)
        logits.append(UNDATED_ABSTENTION.logit(scored, passages, None, asked, short))
    assert logits[1] > logits[0]


def test_fit_weights_learns_which_feature_marks_the_answer() -> None:
    rng = np.random.default_rng(0)
    items = []
    for q in range(40):
        values = rng.random((12, len(FEATURES)))
        gold = np.zeros(12, dtype=bool)
        gold[q % 12] = True
        values[:, FEATURES.index("phrase")] = gold  # only the answer has a phrase
        found = SentenceFeatures([], values)
        row = {"answerable": True, "answer": "x"}
        items.append(Item(row, dt.date(2026, 1, 1), [], found, gold))
    weights = fit_weights(items)
    assert np.argmax(weights) == FEATURES.index("phrase")
    assert all(
        abs(w) < weights[FEATURES.index("phrase")] / 3
        for i, w in enumerate(weights)
        if i != FEATURES.index("phrase")
    )


def test_the_trust_tuner_learns_the_marked_candidate_and_sets_its_threshold() -> None:
    from benchmarks.tune_trust import fit_softmax, threshold_for

    rng = np.random.default_rng(1)
    groups = []
    for q in range(40):
        values = rng.random((9, 4))
        target = np.zeros(9)
        target[q % 9] = 1.0
        values[:, 2] = target  # only the right candidate has feature 2
        groups.append((values, target))
    assert np.argmax(fit_softmax(groups)) == 2
    logits = np.arange(200, dtype=float)
    threshold = threshold_for(logits, 0.025)
    assert (logits > threshold).sum() == 5  # 2.5% of 200 abstain


class CountingEmbedder(Embedder):
    """The bundled model, counting the texts it is asked to embed."""

    embedded: list[str]

    def embed(self, texts, batch_size=None):  # type: ignore[no-untyped-def]
        self.embedded.extend(texts)
        return super().embed(texts, batch_size)


def test_sentences_kept_at_ingest_are_not_embedded_again(sample_store_master) -> None:  # type: ignore[no-untyped-def]
    """With the store's sentence vectors the answer stage embeds only the question, and picks
    the same kind of answer; a chunk the store kept none for has its sentences embedded."""
    from index.store import open_store
    from qa.assistant import Assistant

    counting = CountingEmbedder()
    counting.embedded = []
    assistant = Assistant(store=str(sample_store_master), embedder=counting)
    question = "How much will the desalination plant cost?"
    passages = assistant.retrieve(question)
    counting.embedded.clear()
    found = assistant.answerer.run(question, passages)
    exact = assistant.answerer.weights.exact  # the few best are scored alone, exactly
    assert counting.embedded[0] == question and 0 < len(counting.embedded) - 1 <= exact
    assert found.citations and "$" in found.text
    assistant.answerer.weights = dataclasses.replace(assistant.answerer.weights, exact=0)
    counting.embedded.clear()
    assistant.answerer.run(question, passages)
    assert counting.embedded == [question]  # (already embedded for retrieval: remembered)

    store = open_store(sample_store_master)
    first = passages[0].chunk_id
    partial = ExtractiveAnswerer(
        counting,
        weights=assistant.answerer.weights,  # (exact=0: only the missing are embedded)
        sentence_vectors=lambda ids: {
            i: v for i, v in store.sentence_vectors(ids).items() if i != first
        },
    )
    counting.embedded.clear()
    again = partial.run(question, passages)
    assert counting.embedded[0] == question and len(counting.embedded) > 1
    assert all(text in passages[0].text for text in counting.embedded[1:])
    assert again.citations


def test_kept_vectors_give_the_answers_of_sentences_embedded_alone(sample_store_master) -> None:  # type: ignore[no-untyped-def]
    """The best sentences are scored exactly (embedded alone), so what is quoted first, and
    whether the answerer abstains, are those of the answerer that embeds every sentence."""
    from qa.assistant import Assistant

    assistant = Assistant(store=str(sample_store_master))
    kept = assistant.answerer
    alone = ExtractiveAnswerer(kept.embedder)  # no sentence vectors: embeds every sentence
    for question in (
        "Who won the presidential runoff in Estravia?",
        "How much will the desalination plant cost?",
        "When did the rail strike end?",
        "What pay rise did the rail workers win in the settlement?",  # (exact=0: abstains)
        "How many people were evacuated because of the Redstone Ridge fire?",
        "What is the capital of Mongolia?",
    ):
        passages = assistant.retrieve(question)
        ours, theirs = kept.run(question, passages), alone.run(question, passages)
        assert ours.abstained == theirs.abstained, question
        assert [c.quote for c in ours.citations[:1]] == [c.quote for c in theirs.citations[:1]]


def test_a_store_without_sentence_vectors_answers_and_says_why_it_is_slower(  # type: ignore[no-untyped-def]
    embedder: Embedder, caplog
) -> None:
    old_store = ExtractiveAnswerer(embedder, sentence_vectors=lambda ids: {})
    text = "The rangers counted 214 puffins on the island this spring, up from 180."
    question = "How many puffins did the rangers count?"
    with caplog.at_level("INFO", logger="qa.answer"):
        first = old_store.run(question, [passage("isle", text, 0.9, "2026-05-02")])
        old_store.run(question, [passage("isle", text, 0.9, "2026-05-02")])
    told = [r for r in caplog.records if "no sentence vectors" in r.getMessage()]
    assert len(told) == 1 and "new store" in told[0].getMessage()  # once, with the way out
    assert "214" in first.text
