from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from eval.run import run_eval
from index.errors import InputError
from qa.cli import main
from qa.errors import ConfigError

METRICS = (
    "hit@1",
    "hit@5",
    "hit@10",
    "mrr@10",
    "answer_contains_gold",
    "abstention_accuracy",
    "false_abstention_rate",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_max_ms",
    "recall@5",
    "ndcg@10",
    "quote_hit@5",
    "quote_recall@10",
    "quote_mrr@10",
    "exact_match",
    "f1",
    "citation_recall",
    "citation_precision",
    "citations_valid",
    "abstention_recall",
    "retrieve_p50_ms",
    "answer_p95_ms",
    "total_max_ms",
)
RECORD_FIELDS = {
    "trust",
    "id",
    "question",
    "question_date",
    "gold_answer",
    "answerable",
    "evidence_ids",
    "answer",
    "abstained",
    "cited_ids",
    "retrieved_ids",
    "rank",
    "hits",
    "reciprocal_rank",
    "contains_gold",
    "cites_evidence",
    "latency_ms",
    "timings",
    "mode",
    "error",
    "year",  # the sample questions have a date but no quiz source, so no "source"
    "answers",
    "prediction",
    "exact_match",
    "f1",
    "choices",
    "choice_picked",
    "choice_level",
    "choice_correct",
    "citation_recall",
    "citation_precision",
    "citations_valid",
    "tags",
    "checks",
    "passages",
    "retrieval",
    "scores",
    "tokens_in",
    "tokens_out",
    "searched",
    "turns",
}
REPORT_KEYS = {
    "config",
    "ingest",
    "metrics",
    "intervals",
    "breakdown",
    "by_mode",
    "worst_segments",
    "warnings",
    "questions",
}


def load_report(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.slow
def test_sample_report_has_every_metric(sample_eval: Any) -> None:
    data = load_report(sample_eval.out)
    assert set(data) == REPORT_KEYS
    assert data["breakdown"]["source"] == {}
    assert list(data["breakdown"]["year"]) == ["2026"]
    assert data["breakdown"]["year"]["2026"]["n"] == 13
    metrics = data["metrics"]
    for name in METRICS:
        assert isinstance(metrics[name], float), name
        if not name.endswith("_ms"):
            assert 0.0 <= metrics[name] <= 1.0, name
    assert 0 < metrics["latency_p50_ms"] <= metrics["latency_p95_ms"]
    assert (metrics["n_questions"], metrics["n_answerable"], metrics["n_unanswerable"]) == (
        15,
        13,
        2,
    )
    assert data["metrics"] == sample_eval.report.metrics


@pytest.mark.slow
def test_sample_retrieval_finds_the_evidence(sample_eval: Any) -> None:
    # Measured: hit@1 0.77, hit@5 and hit@10 1.0, mrr@10 0.86; the floors leave a margin.
    metrics = sample_eval.report.metrics
    assert metrics["hit@10"] >= 0.9
    assert metrics["hit@1"] >= 0.6
    assert metrics["mrr@10"] >= 0.7
    # the abstention models are fitted on rtqa; on the 13 hand-written sample questions, asked
    # as of their dates, they leave 3 unanswered (measured 2026-12-07)
    assert metrics["false_abstention_rate"] <= 0.25


@pytest.mark.slow
def test_sample_records(sample_eval: Any) -> None:
    data = load_report(sample_eval.out)
    questions = {q["id"]: q for q in data["questions"]}
    assert len(questions) == 15
    for record in questions.values():
        assert set(record) == RECORD_FIELDS
        assert record["question_date"] == "2026-11-20"
        assert record["year"] == 2026
        assert record["mode"] == "extractive"
        assert len(record["retrieved_ids"]) == len(set(record["retrieved_ids"])) <= 10
    s01 = questions["s01"]
    assert s01["gold_answer"] == "$412 million"
    assert s01["evidence_ids"] == ["desal-plant-cost-overrun"]
    assert s01["retrieved_ids"][0] == "desal-plant-cost-overrun"
    assert (s01["rank"], s01["reciprocal_rank"]) == (1, 1.0)
    assert s01["hits"] == {"hit@1": True, "hit@5": True, "hit@10": True}
    assert s01["contains_gold"] is True
    assert "$412 million" in s01["answer"]
    assert "desal-plant-cost-overrun" in s01["cited_ids"]
    u01 = questions["u01"]
    assert (u01["answerable"], u01["rank"], u01["hits"], u01["contains_gold"]) == (
        False,
        None,
        {},
        None,
    )


@pytest.mark.slow
def test_sample_config_and_ingest(sample_eval: Any) -> None:
    data = load_report(sample_eval.out)
    config = data["config"]
    assert config["gold"] == str(sample_eval.gold)
    assert config["store"] == str(sample_eval.store)
    assert config["store_temporary"] is False
    assert (config["k"], config["n_questions"], config["limit"]) == (10, 15, None)
    assert config["embed_model"] == "all-MiniLM-L6-v2"
    assert set(config["versions"]) == {
        "article-qa",
        "chromadb",
        "llama-index-core",
        "sentence-transformers",
    }
    assert config["versions"]["chromadb"]
    # The store already held every sample article: ingesting them again changes nothing.
    ingest = data["ingest"]
    assert (ingest["added"], ingest["updated"], ingest["skipped"]) == (0, 0, 0)
    assert ingest["unchanged"] >= 15


@pytest.mark.slow
def test_sample_table(sample_eval: Any) -> None:
    table = sample_eval.report.table()
    assert table.splitlines()[0] == "15 questions: 13 answerable, 2 unanswerable"
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines()[3:] if line.strip()}
    shown = ["hit@1", "hit@5", "hit@10", "mrr@10", "recall@10", "ndcg@10", "quote_hit@10"]
    shown += ["answer_contains_gold", "exact_match", "f1", "citation_recall"]
    shown += ["citation_precision", "citations_valid", "abstention_accuracy"]
    shown += ["false_abstention_rate", "latency_p50_ms", "latency_p95_ms", "latency_max_ms"]
    for name in shown:
        value, interval = rows[name][:2]
        low, high = (float(x) for x in interval.split("-"))
        assert low <= float(value) <= high or name == "latency_max_ms", (name, rows[name])
    assert rows["abstention_accuracy"][2:] == ["2", "unanswerable"]
    assert "mc_accuracy" not in rows  # the sample questions have no choices
    assert "tokens_in_mean" not in rows  # nor token counts (extractive answers)


@pytest.mark.slow
def test_cli_eval(
    sample_gold: Path, sample_articles: Path, sample_store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["eval", str(sample_gold), "--articles", str(sample_articles)]
    args += ["--store", str(sample_store), "--out", str(out), "--limit", "1", "-k", "20", "--html"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "1 question: 1 answerable, 0 unanswerable" in result.output
    assert "hit@20" in result.output
    assert f"report written to {out / 'report.json'}" in result.output
    assert f"html report written to {out / 'report.html'}" in result.output
    assert "<html" in (out / "report.html").read_text(encoding="utf-8")
    data = load_report(out)
    assert [q["id"] for q in data["questions"]] == ["s01"]
    assert data["metrics"]["hit@20"] >= data["metrics"]["hit@10"]
    assert data["metrics"]["abstention_accuracy"] is None
    assert data["config"]["passages_asked"] == 30


def test_cli_eval_bad_gold_names_the_line(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"question": "Who?", "answer": "Ann"}\n{"answer": "Bo"}\n', "utf-8")
    store = tmp_path / "store"
    result = CliRunner().invoke(main, ["eval", str(gold), "--store", str(store)])
    assert result.exit_code == 1
    assert "line 2: field 'question' is missing" in result.output
    assert not store.exists()  # the gold file is checked before anything is ingested


def test_nothing_to_evaluate_against(tmp_path: Path, sample_gold: Path) -> None:
    with pytest.raises(InputError, match="--articles PATH"):
        run_eval(sample_gold, out=tmp_path / "out")
    with pytest.raises(InputError, match="--articles PATH"):
        run_eval(sample_gold, store=tmp_path / "no-store", out=tmp_path / "out")
    with pytest.raises(ConfigError, match="k must be at least 1"):
        run_eval(sample_gold, store=tmp_path / "no-store", k=0)


@pytest.mark.slow
def test_temporary_store_is_deleted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    articles = tmp_path / "articles.jsonl"
    rows = [
        {
            "id": "lighthouse",
            "title": "Lighthouse reopens",
            "published_at": "2024-05-02",
            "body": "The Brannock Point lighthouse reopened on Thursday after a two-year "
            "restoration that cost 3.4 million euros, the harbour board said.",
        },
        {
            "id": "ferry",
            "title": "Ferry timetable changes",
            "published_at": "2024-05-03",
            "body": "The island ferry will run every forty minutes from June, the operator "
            "Solway Lines said on Friday, up from once an hour.",
        },
    ]
    articles.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    gold = tmp_path / "gold.jsonl"
    questions = [
        {
            "id": "q1",
            "question": "How much did the Brannock Point lighthouse restoration cost?",
            "answer": "3.4 million euros",
            "question_date": "2024-05-04",
            "evidence": [{"article_id": "lighthouse"}],
        },
        {"id": "q2", "question": "Who won the chess final?", "answer": "", "answerable": False},
    ]
    gold.write_text("".join(json.dumps(q) + "\n" for q in questions), "utf-8")
    temp_root = tmp_path / "temp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))

    report = run_eval(gold, articles=[articles], out=None, undated=False, remove_evidence=False)

    assert list(temp_root.iterdir()) == []
    assert report.config["store"] is None
    assert report.config["store_temporary"] is True
    assert report.ingest is not None
    assert report.ingest["added"] == 2
    q1 = report.results[0]
    assert (q1.rank, q1.question_date, q1.contains_gold) == (1, "2024-05-04", True)
    assert report.results[1].rank is None
    assert not math.isnan(report.metrics["latency_p95_ms"])


def test_sample_trust_check(sample_eval: Any) -> None:
    """Each answerable question is asked again undated and with its evidence left out; the
    report holds those rates with intervals, and each question's own scores."""
    report = sample_eval.report
    m, spans = report.metrics, report.intervals
    for name in (
        "removed_right_rate",
        "undated_removed_right_rate",
        "undated_answer_contains_gold",
        "undated_false_abstention_rate",
        "off_topic_citation_rate",
        "undated_off_topic_citation_rate",
    ):
        assert m[name] is not None and spans[name][0] <= m[name] <= spans[name][1], name
    with_evidence = [r for r in report.results if r.answerable and r.evidence_ids]
    for r in with_evidence:
        assert {"removed_right_rate", "undated_removed_right_rate"} <= set(r.trust)
    assert sum(r.trust["removed_right_rate"] for r in with_evidence) / len(
        with_evidence
    ) == pytest.approx(m["removed_right_rate"], abs=1e-4)
    table = report.table()
    assert "removed_right_rate" in table and "evidence removed" in table


def test_evidence_removed_means_never_retrieved(sample_store: Path) -> None:
    """``exclude`` leaves articles out of dense and BM25 retrieval alike, as if removed."""
    from qa.assistant import Assistant

    assistant = Assistant(store=sample_store)
    question = "How much is the Gull Point desalination plant expected to cost in total?"
    first = assistant.retrieve(question)
    gone = {first[0].article_id}
    for mode in ("hybrid", "dense", "bm25"):
        other = assistant.derive(retrieval=mode) if mode != "hybrid" else assistant
        kept = other.retrieve(question, exclude=gone)
        assert kept and not gone & {p.article_id for p in kept}, mode
    answer = assistant.ask(question, exclude=gone)
    assert not gone & {c.article_id for c in answer.citations}
