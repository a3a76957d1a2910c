from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from support import SAMPLE_QUESTIONS, tiny_bert

from index.embed import Embedder
from index.store import open_store
from qa.errors import ConfigError
from qa.rerank import (
    CrossEncoderReranker,
    NoReranker,
    SentenceReranker,
    load_cross_encoder,
    make_reranker,
)
from qa.retrieve import HybridRetriever, Passage

QUESTION = "Who won the runoff in Estravia?"


def _passage(n: int, text: str, score: float, article_id: str | None = None) -> Passage:
    return Passage(
        chunk_id=f"c{n}",
        article_id=article_id or f"a{n}",
        title=f"Article {n}",
        source="Test Wire",
        url=f"https://example.com/{n}",
        published=dt.date(2026, 5, 1),
        start=0,
        end=len(text),
        text=text,
        score=score,
    )


PASSAGES = [
    _passage(
        1,
        "The harbour authority approved a new ferry timetable. Crossings will run every "
        "forty minutes during the summer season.",
        0.8,
    ),
    _passage(
        2,
        "Wheat prices fell for a third week as harvests in the south came in above forecasts. "
        "Traders expect exports to rise.",
        0.75,
    ),
    _passage(
        3,
        "Counting finished late on Sunday. Lena Marovic won Estravia's presidential runoff "
        "with 54 percent of the vote, beating the incumbent.",
        0.5,
        article_id="estravia",
    ),
]

MORE = [
    *PASSAGES,
    _passage(4, "Rain is expected across the north on Tuesday. Roads may flood.", 0.3),
    _passage(5, "The museum reopened after a two-year renovation of its west wing.", 0.2),
]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def _tiny_cross_encoder(base: Path, num_labels: int, id2label: dict[int, str] | None) -> Path:
    from transformers import BertForSequenceClassification

    labels = (
        {"id2label": id2label, "label2id": {v: k for k, v in id2label.items()}} if id2label else {}
    )
    tokenizer, config = tiny_bert(num_labels=num_labels, **labels)
    BertForSequenceClassification(config).save_pretrained(base)
    tokenizer.save_pretrained(base)
    return base


@pytest.fixture(scope="session")
def tiny_cross_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny, randomly initialised one-label cross-encoder, built here offline."""
    return _tiny_cross_encoder(tmp_path_factory.mktemp("tiny-ce"), 1, None)


@pytest.fixture(scope="session")
def tiny_nli_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same with three NLI labels, "entailment" in the middle."""
    labels = {0: "contradiction", 1: "entailment", 2: "neutral"}
    return _tiny_cross_encoder(tmp_path_factory.mktemp("tiny-nli"), 3, labels)


def _ids(passages: list[Passage]) -> list[str]:
    return [p.chunk_id for p in passages]


def test_no_reranker_is_identity() -> None:
    assert NoReranker().run(QUESTION, MORE) == MORE
    assert NoReranker().run(QUESTION, MORE, top_k=2) == MORE[:2]
    assert NoReranker().run(QUESTION, [], top_k=3) == []


def test_make_reranker_maps_names(embedder: Embedder) -> None:
    assert isinstance(make_reranker("none", embedder), NoReranker)
    for name in (None, "default", "sentence", " Sentence "):
        reranker = make_reranker(name, embedder)
        assert isinstance(reranker, SentenceReranker)
        assert reranker.embedder is embedder
    cross = make_reranker("/models/my-cross-encoder", embedder)
    assert isinstance(cross, CrossEncoderReranker)
    assert cross.name == "/models/my-cross-encoder"
    with pytest.raises(ConfigError, match="reranker"):
        make_reranker("  ", embedder)


def test_constructing_loads_no_model(tmp_path: Path, embedder: Embedder) -> None:
    # Neither a missing model nor a bad weight needs a model to be noticed at construction.
    CrossEncoderReranker(str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match="between 0 and 1"):
        SentenceReranker(embedder, weight=1.5)


def test_sentence_reranker_moves_the_relevant_passage_first(embedder: Embedder) -> None:
    reranked = SentenceReranker(embedder, weight=0.5).run(QUESTION, PASSAGES)
    assert reranked[0].article_id == "estravia"
    assert sorted(_ids(reranked)) == sorted(_ids(PASSAGES))
    assert [p.score for p in reranked] == sorted((p.score for p in reranked), reverse=True)
    assert SentenceReranker(embedder, weight=0.5).run(QUESTION, PASSAGES) == reranked
    # The text and place of each passage are untouched; only the score changes.
    by_id = {p.chunk_id: p for p in PASSAGES}
    for p in reranked:
        assert p.text == by_id[p.chunk_id].text and p.start == by_id[p.chunk_id].start


def test_sentence_reranker_weight_zero_keeps_the_fused_order(embedder: Embedder) -> None:
    assert SentenceReranker(embedder, weight=0.0).run(QUESTION, MORE) == MORE


def test_sentence_reranker_depth_and_top_k(embedder: Embedder) -> None:
    reranked = SentenceReranker(embedder, weight=0.5, depth=3).run(QUESTION, MORE)
    assert reranked[0].article_id == "estravia"
    assert set(_ids(reranked[:3])) == {"c1", "c2", "c3"}
    assert reranked[3:] == MORE[3:]  # beyond depth: old order, old scores
    assert _ids(SentenceReranker(embedder, weight=0.5, depth=3).run(QUESTION, MORE, 2)) == _ids(
        reranked[:2]
    )
    assert SentenceReranker(embedder, depth=0).run(QUESTION, MORE) == MORE
    assert SentenceReranker(embedder).run(QUESTION, []) == []


def test_cross_encoder_reranker_loads_a_model_by_path(tiny_cross_encoder_dir: Path) -> None:
    reranker = CrossEncoderReranker(str(tiny_cross_encoder_dir), weight=1.0)
    reranked = reranker.run(QUESTION, MORE)
    assert sorted(_ids(reranked)) == sorted(_ids(MORE))
    assert all(0.0 <= p.score <= 1.0 for p in reranked)
    assert [p.score for p in reranked] == sorted((p.score for p in reranked), reverse=True)
    assert reranker.run(QUESTION, MORE) == reranked  # deterministic
    assert load_cross_encoder(str(tiny_cross_encoder_dir)) is reranker.model  # cached


def test_cross_encoder_reranker_depth_top_k_and_weight(tiny_cross_encoder_dir: Path) -> None:
    path = str(tiny_cross_encoder_dir)
    reranked = CrossEncoderReranker(path, depth=2).run(QUESTION, MORE, top_k=4)
    assert len(reranked) == 4
    assert set(_ids(reranked[:2])) == {"c1", "c2"}
    assert reranked[2:] == MORE[2:4]
    assert CrossEncoderReranker(path).run(QUESTION, MORE, top_k=0) == []
    assert CrossEncoderReranker(path).run(QUESTION, []) == []
    probs = dict(zip(_ids(MORE), CrossEncoderReranker(path).scores(QUESTION, MORE), strict=True))
    for p in CrossEncoderReranker(path, weight=0.25).run(QUESTION, MORE):
        fused = next(m.score for m in MORE if m.chunk_id == p.chunk_id)
        assert p.score == pytest.approx(0.75 * fused + 0.25 * probs[p.chunk_id])


def test_cross_encoder_with_several_labels_uses_the_entailment_class(tiny_nli_dir: Path) -> None:
    import numpy as np
    import torch

    reranker = CrossEncoderReranker(str(tiny_nli_dir))
    reranked = reranker.run(QUESTION, MORE)
    assert sorted(_ids(reranked)) == sorted(_ids(MORE))
    assert all(0.0 <= p.score <= 1.0 for p in reranked)
    logits = np.asarray(
        reranker.model.predict(
            [(QUESTION, p.text) for p in MORE],
            activation_fn=torch.nn.Identity(),
            show_progress_bar=False,
        )
    )
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert reranker.scores(QUESTION, MORE) == pytest.approx(softmax[:, 1], abs=1e-6)


def test_a_bad_cross_encoder_path_says_what_to_do(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-model")
    with pytest.raises(ConfigError) as info:
        CrossEncoderReranker(missing).run(QUESTION, PASSAGES)
    message = str(info.value)
    assert missing in message and "local path" in message and "offline" in message
    not_a_model = tmp_path / "empty"
    not_a_model.mkdir()
    with pytest.raises(ConfigError, match="local path"):
        CrossEncoderReranker(str(not_a_model)).run(QUESTION, PASSAGES)


def _hit_at_1(ranked: list[Passage], evidence: set[str]) -> bool:
    return bool(ranked) and ranked[0].article_id in evidence


@pytest.mark.slow
def test_sentence_reranker_does_not_hurt_the_sample_questions(
    sample_store_master: Path, embedder: Embedder, record_property: pytest.RecordProperty
) -> None:
    questions = [json.loads(line) for line in SAMPLE_QUESTIONS.read_text("utf-8").splitlines()]
    answerable = [q for q in questions if q["answerable"]]
    retriever = HybridRetriever(open_store(sample_store_master), embedder, top_k=30)
    reranker = SentenceReranker(embedder)
    before = after = 0
    for q in answerable:
        evidence = {e["article_id"] for e in q["evidence"]}
        passages = retriever.run(q["question"])
        before += _hit_at_1(passages, evidence)
        after += _hit_at_1(reranker.run(q["question"], passages), evidence)
    record_property("hit_at_1", f"{before}/{len(answerable)} -> {after}/{len(answerable)}")
    assert after >= before - 1, (before, after, len(answerable))
