from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from support import SAMPLES

from index.embed import DEFAULT_EMBED_MODEL, Embedder, resolve_model_path, resolve_precision
from index.embed_backends import calibrate
from index.errors import StoreError
from index.ingest import Ingestor
from index.store import open_store

TEXTS = [
    "The harbour authority reopened the north quay on Monday after a week of repairs.",
    "Voters in the district rejected the school levy by 312 votes.",
    "",
    "Short.",
]


def test_bfloat16_vectors_match_float32_ones() -> None:
    fp32 = Embedder(precision="fp32").embed(TEXTS)
    bf16 = Embedder(precision="bf16").embed(TEXTS)
    assert bf16.dtype == np.float32 and bf16.shape == fp32.shape
    assert np.allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-5)
    cosine = (fp32 * bf16).sum(axis=1)
    assert cosine.min() > 0.999, cosine
    # Still the model's vectors: different texts stay apart.
    assert float(bf16[0] @ bf16[1]) < 0.5


def test_precision_comes_from_the_argument_then_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ARTICLE_QA_EMBED_PRECISION", "fp32")
    assert Embedder().precision == "fp32"
    assert Embedder(precision="bf16").precision == "bf16"
    monkeypatch.delenv("ARTICLE_QA_EMBED_PRECISION")
    assert Embedder().precision == resolve_precision("auto") in ("fp32", "bf16")


def test_unknown_precision_is_refused_by_name(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError, match=r"'half'.*auto, fp32, bf16"):
        Embedder(precision="half")
    monkeypatch.setenv("ARTICLE_QA_EMBED_PRECISION", "fp16")
    with pytest.raises(StoreError, match="ARTICLE_QA_EMBED_PRECISION"):
        Embedder()


# -- other backends ---------------------------------------------------------------------------


def test_openvino_vectors_match_torch_float32_ones() -> None:
    texts = [*TEXTS, "A much longer sentence about the council's vote on the plant. " * 20]
    fp32 = Embedder(precision="fp32", backend="torch").embed(texts)
    openvino = Embedder(backend="openvino")
    got = openvino.embed(texts, batch_size=2)  # batches of texts sorted by length, put back
    assert got.dtype == np.float32 and got.shape == fp32.shape
    assert (fp32 * got).sum(axis=1).min() > 0.999
    assert openvino.label in ("openvino-bf16", "openvino-fp32")


def test_openvino_runs_any_bert_model_it_is_given(tiny_model_dir: Path) -> None:
    tiny = str(tiny_model_dir)
    torch_vectors = Embedder(tiny, precision="fp32", backend="torch").embed(TEXTS)
    got = Embedder(tiny, backend="openvino").embed(TEXTS)
    assert got.shape == (len(TEXTS), 32) and (torch_vectors * got).sum(axis=1).min() > 0.999


def test_backend_comes_from_the_argument_then_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ARTICLE_QA_EMBED_BACKEND", "torch")
    assert Embedder().backend == "torch" and Embedder(backend="openvino").backend == "openvino"
    monkeypatch.delenv("ARTICLE_QA_EMBED_BACKEND")
    assert Embedder(precision="bf16").backend == "torch"  # a torch precision means torch
    monkeypatch.setenv("ARTICLE_QA_EMBED_BACKEND", "tensorrt")
    with pytest.raises(StoreError, match=r"'tensorrt'.*auto, torch, openvino"):
        Embedder()


def test_auto_measures_once_and_remembers(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("ARTICLE_QA_EMBED_BACKEND", raising=False)
    chosen = Embedder(backend="auto").backend
    assert chosen in ("torch", "openvino")
    (record,) = (tmp_path / "article-qa" / "embedding" / "calibration").glob("*.json")
    measured = json.loads(record.read_text())
    assert measured["backend"] == chosen and set(measured["seconds"]) == {"torch", "openvino"}
    assert measured["same"] == {"torch": True, "openvino": True}

    def never(texts):  # type: ignore[no-untyped-def]
        raise AssertionError("measured again")

    runners = {"torch": never, "openvino": never}
    assert calibrate(resolve_model_path(DEFAULT_EMBED_MODEL), runners, never) == chosen


def test_a_backend_that_changes_the_vectors_is_never_chosen(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    reference = Embedder(precision="fp32", backend="torch")

    def wrong(texts):  # type: ignore[no-untyped-def]
        return np.roll(reference.embed(texts), 1, axis=1)  # fast and wrong

    def slow(texts):  # type: ignore[no-untyped-def]
        time.sleep(0.05)
        return reference.embed(texts)

    chosen = calibrate(str(tmp_path / "model"), {"torch": slow, "openvino": wrong}, reference.embed)
    assert chosen == "torch"


def test_a_store_built_by_openvino_ranks_a_torch_query_the_same(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    Ingestor(store, Embedder(backend="openvino")).ingest_paths([SAMPLES], progress=False)
    assert store.embed_backends[0].startswith("openvino-")
    for question in ("How much will the desalination plant cost?", "Who won the runoff?"):
        ranked = {}
        for backend, precision in (("openvino", None), ("torch", "fp32"), ("torch", "bf16")):
            vector = Embedder(backend=backend, precision=precision).embed([question])[0]
            ranked[(backend, precision)] = [h.chunk_id for h in store.dense(vector, 10)]
        base = ranked[("openvino", None)]
        for other in ranked.values():
            assert other[0] == base[0] and len(set(other) & set(base)) >= 9


# -- sentence vectors from the chunk's own pass (index.pooling) -------------------------------

CHUNK = (
    "Harbour notes\n"
    "The council voted on Tuesday to raise the water budget. Fire crews evacuated 40 homes "
    "near the ridge. Officials said the ferry would sail again in May."
)


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    from index.sentences import sentence_spans

    body = text.index("\n") + 1
    return [(body + s, body + e) for s, e in sentence_spans(text[body:])]


@pytest.mark.parametrize("backend", ["torch", "openvino"])
def test_one_pass_gives_the_chunk_vector_and_its_sentences(backend: str) -> None:
    embedder = Embedder(precision="fp32" if backend == "torch" else None, backend=backend)
    texts = [CHUNK, "  " + CHUNK]  # leading spaces are stripped before tokenising
    spans = [_sentence_spans(CHUNK), [(s + 2, e + 2) for s, e in _sentence_spans(CHUNK)]]
    vectors, sentences = embedder.embed_spans(texts, spans)
    assert sentences is not None and [s.shape for s in sentences] == [(3, 384), (3, 384)]
    assert (vectors * embedder.embed(texts)).sum(axis=1).min() > 0.999  # the chunk's own vector
    assert np.allclose(sentences[0], sentences[1], atol=1e-5)  # offsets follow the strip
    assert np.allclose(np.linalg.norm(sentences[0], axis=1), 1.0, atol=1e-5)
    # each sentence's vector is nearest the same sentence embedded alone, not its neighbours
    alone = embedder.embed([CHUNK[s:e] for s, e in spans[0]])
    similarity = sentences[0] @ alone.T
    assert similarity.argmax(axis=1).tolist() == [0, 1, 2]
    reference = Embedder(precision="fp32", backend="torch").embed_spans([CHUNK], spans[:1])[1]
    assert reference is not None and (reference[0] * sentences[0]).sum(axis=1).min() > 0.999


def test_a_sentence_past_the_models_input_limit_gets_no_vector(tiny_model_dir: Path) -> None:
    embedder = Embedder(str(tiny_model_dir), precision="fp32", backend="torch")
    text = "First words here. " + "filler " * 600 + "Last sentence."
    spans = [(0, 17), (len(text) - 14, len(text))]
    _, sentences = embedder.embed_spans([text], [spans])
    assert sentences is not None
    assert np.linalg.norm(sentences[0], axis=1).round(4).tolist() == [1.0, 0.0]


def test_ingest_keeps_every_sentence_of_every_chunk(sample_store_master: Path) -> None:
    from index.sentences import sentence_spans

    store = open_store(sample_store_master)
    hits = list(store.iter_chunks())
    kept = store.sentence_vectors([h.chunk_id for h in hits])
    assert set(kept) == {h.chunk_id for h in hits}
    for hit in hits:
        starts = [hit.start + s for s, _ in sentence_spans(hit.text)]
        assert sorted(kept[hit.chunk_id].by_start()) == starts


def test_a_question_is_embedded_once_for_retrieval_and_answer() -> None:
    embedder = Embedder()
    first = embedder.embed([TEXTS[0]])
    first[0, 0] = 42.0  # the caller's copy: what the embedder remembers is untouched
    again = embedder.embed([TEXTS[0]])
    assert again[0, 0] != 42.0 and np.allclose(again, embedder.embed(TEXTS[:2])[:1], atol=1e-6)
    assert TEXTS[0] in embedder._recent
    embedder.forget()
    assert not embedder._recent


def test_questions_asked_at_once_share_one_model_call() -> None:
    import threading

    from index.embed import Batcher

    calls: list[list[str]] = []
    first_running, release = threading.Event(), threading.Event()

    def run(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        if len(calls) == 1:
            first_running.set()
            release.wait(10)  # the model is busy while the others ask
        return np.array([[float(len(t)), 1.0] for t in texts])

    batcher = Batcher(run)
    got: dict[str, np.ndarray] = {}

    def ask(text: str) -> None:
        got[text] = batcher.embed([text])

    texts = ["q" * n for n in range(1, 9)]
    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    threads[0].start()
    assert first_running.wait(10)
    for thread in threads[1:]:
        thread.start()
    deadline = time.monotonic() + 10
    while len(batcher._waiting) < 7 and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(calls) == batcher.batches == 2 and sorted(calls[1]) == texts[1:]
    assert all(got[t].tolist() == [[float(len(t)), 1.0]] for t in texts)


def test_a_failed_batch_fails_each_of_its_callers_and_the_next_one_runs() -> None:
    from index.embed import Batcher

    def broken(texts: list[str]) -> np.ndarray:
        raise RuntimeError("model gone")

    batcher = Batcher(broken)
    with pytest.raises(RuntimeError, match="model gone"):
        batcher.embed(["a question"])
    batcher._run = lambda texts: np.ones((len(texts), 2))
    assert batcher.embed(["again"]).shape == (1, 2)


def test_concurrent_questions_get_their_own_vectors() -> None:
    from concurrent.futures import ThreadPoolExecutor

    embedder = Embedder()
    questions = [f"How many ferries sailed from pier {n} on Monday?" for n in range(12)]
    alone = embedder.embed(questions)
    embedder.forget()
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(lambda q: embedder.embed([q])[0], questions))
    assert np.allclose(np.stack(together), alone, atol=1e-5)
