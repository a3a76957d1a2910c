"""benchmarks/versus_llama.py: both pipelines ingest the same articles, and the timing helpers
count what they ran."""

from __future__ import annotations

import math
from pathlib import Path

from support import SAMPLES

from benchmarks.versus_llama import at_once, ingest_llama, ingest_ours, one_at_a_time
from index.articles import Article, iter_articles
from index.embed import Embedder
from index.store import open_store


def test_both_pipelines_ingest_the_same_articles_and_count_what_the_model_reads(
    tmp_path: Path,
) -> None:
    articles = [a for a in iter_articles([SAMPLES]) if isinstance(a, Article)][:3]
    embedder = Embedder()
    ours = ingest_ours(articles, embedder, tmp_path / "ours")
    index, theirs = ingest_llama(articles, embedder, tmp_path / "llama")
    store = open_store(tmp_path / "ours")
    assert store.count_chunks() == ours.chunks > 0
    store.close()
    assert ours.embedded == ours.tokens  # our chunks fit the model
    assert 0 < theirs.chunks < ours.chunks  # 1024-token chunks: fewer
    assert theirs.embedded <= theirs.chunks * embedder.max_tokens
    assert theirs.embedded <= theirs.tokens
    found = index.as_retriever().retrieve(articles[0].title)
    assert found and {n.node.metadata["article_id"] for n in found} <= {a.id for a in articles}


def test_one_at_a_time_alternates_and_forgets_every_question() -> None:
    order: list[str] = []

    class Memory:
        forgotten = 0

        def forget(self) -> None:
            self.forgotten += 1
            order.append("forget")

    memory = Memory()
    runs = {"a": lambda q: order.append(f"a:{q}"), "b": lambda q: order.append(f"b:{q}")}
    got = one_at_a_time(runs, ["q1", "q2"], memory, rounds=2)  # type: ignore[arg-type]
    assert [o for o in order if o != "forget"] == ["a:q1", "b:q1", "a:q2", "b:q2"] * 2
    assert memory.forgotten == 8 and order[::2] == ["forget"] * 8  # before every question
    assert set(got) == {"a", "b"} and all(p50 <= p95 for p50, p95 in got.values())


class _Memory:
    """What the timing helpers need of an embedder: forgetting its remembered questions."""

    def __init__(self) -> None:
        self.forgotten = 0

    def forget(self) -> None:
        self.forgotten += 1


def test_at_once_counts_failures_and_answers() -> None:
    def run(question: str) -> str:
        if question == "bad":
            raise RuntimeError("boom")
        return question

    memory = _Memory()
    p50, p95, rate, failures = at_once(run, ["good", "bad", "fine"], 3, 2, memory)  # type: ignore[arg-type]
    assert memory.forgotten == 1  # no question starts embedded
    assert failures == 2  # questions 1 and 4 of 6 are "bad"
    assert rate > 0 and p50 <= p95


def test_at_once_with_every_question_failing_reports_no_latency() -> None:
    def run(question: str) -> None:
        raise RuntimeError(question)

    p50, _, rate, failures = at_once(run, ["x"], 2, 1, _Memory())  # type: ignore[arg-type]
    assert failures == 2 and rate == 0
    assert math.isnan(p50)  # nothing answered
