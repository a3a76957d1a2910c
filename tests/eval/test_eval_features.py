"""The evaluation end to end on the sample store: a CSV gold set with evidence by url and
title, a follow-up question, multiple choice, tags, missing evidence; sweeps; the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eval import evaluate
from eval.run import run_eval
from eval.sweep import grid_points, parse_grid, point_name
from index.errors import InputError
from qa.cli import main
from qa.errors import ConfigError

QUOTE = (
    "The revised estimate puts the total cost of the Gull Point plant at $412 million, up "
    "from the $310 million the council approved in March 2023."
)
CONVERSATION = json.dumps(
    [{"question": "Who won the presidential runoff in Estravia?", "answer": "Lena Marovic won."}]
).replace('"', '""')
GOLD_CSV = f"""id,question,answer,choices,question_date,tags,evidence_article_id,evidence_url,evidence_title,evidence_quote,conversation
e1,How much is the Gull Point desalination plant expected to cost in total?,$412 million,$310 million|$412 million|$102 million,2026-11-20,water|money,,https://harborledger.example/news/2025/09/22/gull-point-desalination-cost-overrun/,,"{QUOTE}",
e2,When was she sworn in?,November 16,,2026-11-20,politics|follow-up,,,"Marovic sworn in as Estravia's president, freezes power prices on first day",,"{CONVERSATION}"
e3,How many people were evacuated because of the Redstone Ridge fire?,"1,200",,2026-11-20,fire,no-such-article,,,,
"""


@pytest.fixture
def gold_csv(tmp_path: Path) -> Path:
    path = tmp_path / "gold.csv"
    path.write_text(GOLD_CSV, encoding="utf-8")
    return path


@pytest.mark.slow
def test_csv_gold_end_to_end(gold_csv: Path, sample_store: Path, tmp_path: Path) -> None:
    report = evaluate(gold_csv, store=sample_store, out=tmp_path / "out", resamples=200)
    data = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    records = {q["id"]: q for q in data["questions"]}
    e1, e2, e3 = records["e1"], records["e2"], records["e3"]

    # evidence by url and by title resolved through the store; the unknown id is a warning
    assert e1["evidence_ids"] == ["desal-plant-cost-overrun"]
    assert e2["evidence_ids"] == ["election-inauguration"]
    assert data["warnings"] == [
        "1 evidence article(s) match no article in the store: e3 (line 4): "
        "article_id 'no-such-article'"
    ]
    assert "warning: 1 evidence article(s) match no article" in report.table()

    # retrieval by article and by quote
    assert e1["rank"] == 1 and e1["retrieval"]["recall@5"] == 1.0
    assert e1["retrieval"]["quote_hit@10"] == 1.0
    assert any(p["quote_found"] and p["is_evidence"] for p in e1["passages"])
    assert e3["hits"]["hit@10"] is False  # the evidence is not in the store: a miss
    assert "quote_hit@10" not in e2["retrieval"]  # no quote given

    # answers: accepted answers, exact match / F1 on the short answer, multiple choice
    assert e1["answers"] == ["$412 million"]
    assert e1["contains_gold"] is True and e1["f1"] > 0
    # the answer quotes both the overrun ($102 million) and the total ($412 million), and
    # the pick is scored against the gold answer, whichever it is
    assert e1["choice_picked"] in {"$412 million", "$102 million"}
    assert e1["choice_correct"] is (e1["choice_picked"] == "$412 million")
    assert e2["choices"] == [] and e2["choice_picked"] is None
    assert data["metrics"]["mc_accuracy"] == float(e1["choice_correct"])

    # the follow-up was asked with its conversation
    assert e2["turns"] == 1
    assert e2["searched"] != e2["question"] and "Marovic" in e2["searched"]

    # citations checked by the runtime checker
    assert e1["citations_valid"] is True and e1["citation_recall"] == 1.0
    assert e1["checks"] and e1["checks"][0]["verdict"] == "supported"
    assert e1["timings"]["retrieve_ms"] > 0 and e1["tokens_in"] is None

    # tags as segments; config with data hashes
    assert set(data["breakdown"]["tag"]) == {"fire", "follow-up", "money", "politics", "water"}
    assert data["breakdown"]["tag"]["water"]["n"] == 1
    assert (
        data["config"]["data_sha256"]["gold"]
        == __import__("hashlib").sha256(gold_csv.read_bytes()).hexdigest()
    )
    assert data["config"]["bootstrap_resamples"] == 200
    assert set(data["by_mode"]) == {"extractive"}
    assert (
        data["intervals"]["hit@1"][0] <= data["metrics"]["hit@1"] <= data["intervals"]["hit@1"][1]
    )


@pytest.mark.slow
def test_strict_stops_on_missing_evidence(gold_csv: Path, sample_store: Path) -> None:
    with pytest.raises(InputError, match=r"no-such-article.*--strict"):
        run_eval(gold_csv, store=sample_store, strict=True)


def test_sweep_grid_parsing() -> None:
    grid = parse_grid(["k=5,10", "reranker=none,sentence", "min-score=0.5"])
    assert grid == {"k": ["5", "10"], "reranker": ["none", "sentence"], "min_score": ["0.5"]}
    points = grid_points(grid)
    assert len(points) == 4
    assert points[0] == {"k": "5", "reranker": "none", "min_score": "0.5"}
    assert points[-1] == {"k": "10", "reranker": "sentence", "min_score": "0.5"}
    assert point_name(points[0]) == "k-5_reranker-none_min_score-0.5"
    assert point_name({"reranker": "/models/x y"}) == "reranker-models-x-y"
    for bad, message in [
        (["k"], "write NAME=VALUE"),
        (["colour=red"], "no such setting"),
        (["embed_model=a,b"], "needs a store of its own"),
        (["k=5", "k=10"], "given twice"),
    ]:
        with pytest.raises(ConfigError, match=message):
            parse_grid(bad)


@pytest.mark.slow
def test_cli_sweep_reuses_the_store(sample_gold: Path, sample_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    args = ["eval", str(sample_gold), "--store", str(sample_store), "--out", str(out)]
    args += ["--limit", "1", "--set", "min_score=0.45,50", "--set", "k=12", "--resamples", "100"]
    args += ["--no-undated", "--keep-evidence"]  # (the dated asking alone, for speed)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    sweep = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert [p["point"] for p in sweep["points"]] == [
        {"min_score": "0.45", "k": "12"},
        {"min_score": "50", "k": "12"},
    ]
    low, high = (p["metrics"] for p in sweep["points"])
    # a min_score no sentence can reach makes every answer an abstention
    assert (low["false_abstention_rate"], high["false_abstention_rate"]) == (0.0, 1.0)
    assert low["hit@1"] == high["hit@1"] == 1.0  # the same retrieval for both
    for name in ("min_score-0.45_k-12", "min_score-50_k-12"):
        report = json.loads((out / name / "report.json").read_text(encoding="utf-8"))
        assert [q["id"] for q in report["questions"]] == ["s01"]
        assert "hit@12" in report["metrics"] and report["config"]["k"] == 12
        assert report["config"]["settings"]["k"] == 12
        assert report["config"]["sweep_point"]["k"] == "12"
    assert report["config"]["settings"]["min_score"] == 50.0
    assert "sweep: 2 point(s)" in result.output
    assert f"sweep written to {out / 'sweep.json'}" in result.output


def test_eval_group_help_and_default_command(tmp_path: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["eval", "--help"])
    assert shown.exit_code == 0
    assert "compare" in shown.output and "run" in shown.output
    assert "article-qa eval GOLD --articles PATH" in shown.output
    bare = runner.invoke(main, ["eval"])
    assert bare.exit_code == 2 and "Missing argument 'GOLD'" in bare.output
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"question": "Who?", "answer": "Ann"}\n', "utf-8")
    bad_set = runner.invoke(main, ["eval", str(gold), "--store", str(tmp_path), "--set", "x=1"])
    assert bad_set.exit_code == 1 and "--set x: no such setting" in bad_set.output


def test_importing_eval_loads_no_heavy_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys, eval, eval.cli, eval.compare, eval.gold, eval.report, eval.sweep; "
        "from eval import evaluate; "
        "heavy = {'torch', 'chromadb', 'llama_index', 'sentence_transformers', 'gradio'}; "
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.slow
def test_a_question_that_cannot_be_asked_is_a_scored_miss_and_a_warning(
    sample_store: Path, tmp_path: Path
) -> None:
    gold = tmp_path / "gold.jsonl"
    rows = [
        {
            "id": "ok",
            "question": "Who won the presidential runoff in Estravia?",
            "answer": "Lena Marovic",
        },
        {
            "id": "long",
            "question": "Who? " + "very " * 500,
            "answer": "Ann",
            "choices": ["Ann", "Bo"],
            "evidence": [{"article_id": "election-runoff-result", "quote": "x"}],
        },
    ]
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    report = run_eval(gold, store=sample_store, resamples=100, undated=False, remove_evidence=False)
    long = next(r for r in report.results if r.id == "long")
    assert long.error is not None and "characters long" in long.error
    assert (long.hits["hit@10"], long.contains_gold, long.f1) == (False, False, 0.0)
    assert long.retrieval["quote_hit@10"] == 0.0 and long.choice_correct is None
    assert report.metrics["n_errors"] == 1
    assert report.warnings == ["1 question(s) could not be asked (long); they score as misses"]
    assert "1 could not be asked" in report.table().splitlines()[0]
