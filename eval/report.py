"""What an evaluation found: the metrics over its questions' records (:mod:`eval.result`)
with their bootstrap intervals, breakdowns, and the report (``report.json`` and the terminal
table).

Every metric that is a share or an average is the mean of a per-question score
(:meth:`QuestionResult.scores`); a question has a score for a metric only when it counts for
it (hit@k: answerable questions that list evidence; abstention_recall: unanswerable ones;
citation_recall: answers that did not abstain; ...). The same per-question scores give the
95% intervals (a seeded bootstrap over the questions) and the paired comparison of two runs
(:mod:`eval.compare`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.metrics import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    bootstrap_ci,
    mean,
    percentile,
    segments,
)
from eval.result import HIT_KS, MRR_K, QuestionResult

WORST_MIN_N = 3  # a segment needs this many questions to be listed among the worst
WORST_PER_METRIC = 5

# The trust check's metrics (eval.scoring.trust_scores), in the table after the usual ones.
TRUST_TABLE = (
    "removed_right_rate",
    "removed_abstained",
    "undated_answer_contains_gold",
    "undated_exact_match",
    "undated_abstention_recall",
    "undated_false_abstention_rate",
    "undated_off_topic_citation_rate",
    "undated_removed_right_rate",
    "undated_removed_abstained",
)


def _family_order(name: str) -> tuple[int, int, str]:
    """Where a score's metric goes in the summary: retrieval, answers, citations,
    abstention, cost; cut-offs in order within a family."""
    order = [
        "hit@",
        "mrr@",
        "recall@",
        "ndcg@",
        "quote_hit@",
        "quote_recall@",
        "quote_mrr@",
        "quote_ndcg@",
        "answer_contains_gold",
        "exact_match",
        "f1",
        "mc_accuracy",
        "cites_evidence",
        "citation_recall",
        "citation_precision",
        "citations_valid",
        "abstention_accuracy",
        "abstention_precision",
        "abstention_recall",
        "false_abstention_rate",
        "off_topic_citation_rate",
        *TRUST_TABLE,
        "tokens_in_mean",
        "tokens_out_mean",
    ]
    for i, prefix in enumerate(order):
        if name == prefix or (prefix.endswith("@") and name.startswith(prefix)):
            cut = name.removeprefix(prefix)
            return i, int(cut) if cut.isdigit() else 0, name
    return len(order), 0, name


def metric_values(results: Sequence[QuestionResult]) -> dict[str, list[float]]:
    """Each mean-type metric's per-question scores, metrics in summary order (the retrieval
    cut-offs of ``HIT_KS`` and the core answer metrics are always there)."""
    names = {f"hit@{k}" for k in HIT_KS} | {f"mrr@{MRR_K}"}
    names |= {"answer_contains_gold", "cites_evidence", "abstention_accuracy"}
    names |= {"false_abstention_rate", "abstention_precision", "abstention_recall"}
    names |= {"exact_match", "f1"}
    per: dict[str, list[float]] = {}
    for r in results:
        for name, value in r.scores().items():
            per.setdefault(name, []).append(value)
    names |= set(per)
    return {name: per.get(name, []) for name in sorted(names, key=_family_order)}


def latency_values(results: Sequence[QuestionResult]) -> dict[str, list[float]]:
    """Per-question milliseconds: ``""`` for the wall time of each question, then each
    stage the answers timed (``retrieve``, ``rerank``, ``answer``, ``total``)."""
    out: dict[str, list[float]] = {"": [r.latency_ms for r in results]}
    stages = dict.fromkeys(k for r in results for k in r.timings)
    for stage in stages:
        out[stage.removesuffix("_ms")] = [r.timings[stage] for r in results if stage in r.timings]
    return out


def _latency_name(stage: str, stat: str) -> str:
    return f"latency_{stat}_ms" if not stage else f"{stage}_{stat}_ms"


def summarize(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """The metrics over all questions. A share is ``None`` when no question counts for it.

    Retrieval metrics (hit@k, mrr@10, recall@k, ndcg@k and their ``quote_`` forms, which ask
    whether the gold quote lies inside a retrieved passage) and ``cites_evidence`` count
    answerable questions that list evidence (quote metrics: those with quotes);
    ``answer_contains_gold``, ``exact_match``, ``f1`` (an abstention scores 0) and
    ``false_abstention_rate`` count answerable questions; ``abstention_accuracy`` (the same
    as ``abstention_recall``) counts unanswerable ones, ``abstention_precision`` abstentions;
    ``mc_accuracy`` questions with choices; the citation metrics answers that did not
    abstain; latencies (p50, p95, max; the wall time and each stage) count every question.
    """
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    metrics: dict[str, Any] = {
        name: mean(values) for name, values in metric_values(results).items()
    }
    for stage, values in latency_values(results).items():
        for stat, q in (("p50", 50), ("p95", 95), ("max", 100)):
            metrics[_latency_name(stage, stat)] = percentile(values, q) if values else None
    usage = [r for r in results if r.tokens_in is not None or r.tokens_out is not None]
    if usage:
        metrics["tokens_in_total"] = sum(r.tokens_in or 0 for r in usage)
        metrics["tokens_out_total"] = sum(r.tokens_out or 0 for r in usage)
    metrics = {k: (None if v is None else round(v, 4)) for k, v in metrics.items()}
    metrics["n_questions"] = len(results)
    metrics["n_answerable"] = len(answerable)
    metrics["n_unanswerable"] = len(unanswerable)
    metrics["n_retrieval_scored"] = sum(1 for r in results if r.scored_retrieval)
    modes = Counter(r.mode for r in results if r.mode)
    if set(modes) - {"extractive"}:
        metrics["answer_modes"] = dict(sorted(modes.items()))
    metrics["n_errors"] = sum(1 for r in results if r.error is not None)
    return metrics


def intervals(
    results: Sequence[QuestionResult],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, list[float]]:
    """The 95% bootstrap interval ``[low, high]`` of every metric that has values: the
    mean-type ones and the latency percentiles (seeded: the same results give the same
    intervals)."""
    out: dict[str, list[float]] = {}
    for name, values in metric_values(results).items():
        ci = bootstrap_ci(values, "mean", resamples, seed)
        if ci is not None:
            out[name] = [round(ci[0], 4), round(ci[1], 4)]
    for stage, values in latency_values(results).items():
        for stat in ("p50", "p95", "max"):
            ci = bootstrap_ci(values, stat if stat != "max" else "max", resamples, seed)
            if ci is not None:
                out[_latency_name(stage, stat)] = [round(ci[0], 1), round(ci[1], 1)]
    return out


# What each segment of the breakdown shows, besides its counts.
SEGMENT_METRICS = ("answer_contains_gold", "exact_match", "f1", "mc_accuracy")


def breakdown(
    results: Sequence[QuestionResult],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, dict[str, dict[str, Any]]]:
    """The answerable questions' metrics by quiz source, by year and by tag:
    ``{"source": {"CNN": {...}, ...}, "year": {"2022": {...}}, "tag": {"politics": {...}}}``.

    Each segment holds ``n`` (its answerable questions), ``n_retrieval_scored`` (those of them
    that list evidence), the hit@k keys and mrr@10 over the latter, the answer metrics
    (``SEGMENT_METRICS``) over the former, computed as in ``summarize``, and ``intervals``
    (their 95% bootstrap intervals). A question without a source (date, tag) is in no source
    (year, tag) segment, one with several tags in each, and a segment with no answerable
    question does not appear.
    """
    names = [*hit_names(results), f"mrr@{MRR_K}", *SEGMENT_METRICS]
    answerable = [r for r in results if r.answerable]
    groups: dict[str, dict[str, list[QuestionResult]]] = dict(
        segments(answerable, source=lambda r: r.source, year=lambda r: r.year)
    )
    by_tag: dict[str, list[QuestionResult]] = {}
    for r in answerable:
        for tag in r.tags:
            by_tag.setdefault(tag, []).append(r)
    groups["tag"] = {t: by_tag[t] for t in sorted(by_tag, key=lambda t: (t.casefold(), t))}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, members in groups.items():
        out[kind] = {}
        for label, group in members.items():
            values = metric_values(group)
            row: dict[str, Any] = {
                "n": len(group),
                "n_retrieval_scored": sum(1 for r in group if r.scored_retrieval),
            }
            spans: dict[str, list[float]] = {}
            for name in names:
                got = values.get(name, [])
                row[name] = None if not got else round(sum(got) / len(got), 4)
                ci = bootstrap_ci(got, "mean", resamples, seed)
                if ci is not None:
                    spans[name] = [round(ci[0], 4), round(ci[1], 4)]
            row["intervals"] = spans
            out[kind][label] = row
    return out


def worst_segments(
    table: dict[str, dict[str, dict[str, Any]]],
    overall: dict[str, Any],
    metrics: Sequence[str] = ("answer_contains_gold", "hit@5"),
    min_n: int = WORST_MIN_N,
    per_metric: int = WORST_PER_METRIC,
) -> list[dict[str, Any]]:
    """The segments furthest below the overall value of each metric: at most ``per_metric``
    per metric, each with ``min_n`` questions or more counting for it, worst first."""
    out: list[dict[str, Any]] = []
    for metric in metrics:
        base = overall.get(metric)
        if base is None:
            continue
        count = "n_retrieval_scored" if metric.startswith(("hit@", "mrr@")) else "n"
        rows = []
        for kind, members in table.items():
            for label, row in members.items():
                value = row.get(metric)
                if value is None or row[count] < min_n or value >= base:
                    continue
                rows.append(
                    {
                        "kind": kind,
                        "label": label,
                        "metric": metric,
                        "value": value,
                        "overall": base,
                        "delta": round(value - base, 4),
                        "n": row[count],
                        "interval": row.get("intervals", {}).get(metric),
                    }
                )
        rows.sort(key=lambda r: (r["value"], -r["n"], r["kind"], r["label"]))
        out.extend(rows[:per_metric])
    return out


def hit_names(results: Sequence[QuestionResult]) -> list[str]:
    """The ``hit@k`` keys the results hold (at least those of ``HIT_KS``), by k."""
    names = {f"hit@{k}" for k in HIT_KS} | {n for r in results for n in r.hits}
    return sorted(names, key=lambda n: int(n.removeprefix("hit@")))


# Which questions each metric counts, for the table.
def _over(name: str) -> str:
    if name.endswith("removed_right_rate") or name.endswith("removed_abstained"):
        return "answerable with evidence, evidence removed"
    if name.endswith("off_topic_citation_rate"):
        return "answered, with evidence"
    if name.startswith("undated_"):
        return _over(name.removeprefix("undated_"))
    if name.startswith("quote_"):
        return "answerable with quotes"
    if name.startswith(("hit@", "mrr@", "recall@", "ndcg@")) or name == "cites_evidence":
        return "answerable with evidence"
    if name in ("answer_contains_gold", "exact_match", "f1", "false_abstention_rate"):
        return "answerable"
    if name in ("abstention_accuracy", "abstention_recall"):
        return "unanswerable"
    if name == "abstention_precision":
        return "abstentions"
    if name == "mc_accuracy":
        return "with choices"
    if name.startswith("citation"):
        return "answers"
    if name.startswith("tokens_"):
        return "with token counts"
    return "questions"


# Shown in the table (besides the hit@k rows); the others are in report.json only.
_TABLE = (
    f"mrr@{MRR_K}",
    "recall@10",
    "ndcg@10",
    "quote_hit@10",
    "quote_recall@10",
    "answer_contains_gold",
    "exact_match",
    "f1",
    "mc_accuracy",
    "cites_evidence",
    "citation_recall",
    "citation_precision",
    "citations_valid",
    "abstention_accuracy",
    "abstention_precision",
    "false_abstention_rate",
    "off_topic_citation_rate",
    *TRUST_TABLE,
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_max_ms",
    "tokens_in_mean",
    "tokens_out_mean",
)


@dataclass
class Report:
    """An evaluation run: ``config``, ``ingest``, ``metrics`` with their 95% ``intervals``,
    their ``breakdown`` by quiz source, year and tag, the metrics ``by_mode`` (answer mode),
    the ``worst_segments``, ``warnings`` and one record per question."""

    config: dict[str, Any]
    ingest: dict[str, Any] | None
    results: list[QuestionResult]
    metrics: dict[str, Any] = field(default_factory=dict)
    breakdown: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    intervals: dict[str, list[float]] = field(default_factory=dict)
    by_mode: dict[str, dict[str, Any]] = field(default_factory=dict)
    worst_segments: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        resamples = int(self.config.get("bootstrap_resamples", BOOTSTRAP_RESAMPLES))
        seed = int(self.config.get("bootstrap_seed", BOOTSTRAP_SEED))
        if not self.metrics:
            self.metrics = summarize(self.results)
        if not self.intervals:
            self.intervals = intervals(self.results, resamples, seed)
        if not self.breakdown:
            self.breakdown = breakdown(self.results, resamples, seed)
        if not self.by_mode:
            modes = sorted({r.mode for r in self.results if r.mode})
            self.by_mode = {m: summarize([r for r in self.results if r.mode == m]) for m in modes}
        if not self.worst_segments:
            self.worst_segments = worst_segments(self.breakdown, self.metrics)
        errors = [r for r in self.results if r.error is not None]
        if errors and not any("could not be asked" in w for w in self.warnings):
            shown = ", ".join(r.id for r in errors[:10])
            self.warnings.append(
                f"{len(errors)} question(s) could not be asked ({shown}"
                + (", ..." if len(errors) > 10 else "")
                + "); they score as misses"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "ingest": self.ingest,
            "metrics": self.metrics,
            "intervals": self.intervals,
            "breakdown": self.breakdown,
            "by_mode": self.by_mode,
            "worst_segments": self.worst_segments,
            "warnings": self.warnings,
            "questions": [r.to_dict() for r in self.results],
        }

    def write(self, out: str | Path) -> Path:
        """Write ``report.json`` into the folder ``out`` (made if needed); its path."""
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "report.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", "utf-8")
        tmp.replace(path)
        return path

    def table(self) -> str:
        """The metrics as an aligned plain-text table, each with its 95% interval and the
        count it is over, then the metrics by answer mode (when there are several), the
        breakdown by source, year and tag, the worst segments and the warnings."""
        m = self.metrics
        values = metric_values(self.results)
        rows = [("metric", "value", "95% interval", "over")]
        hits = [n for n in hit_names(self.results)]
        for name in (*hits, *_TABLE):
            if name not in m or (name.startswith(("tokens_", "quote_")) and m[name] is None):
                continue
            value = m.get(name)
            span = self.intervals.get(name)
            if name.endswith("_ms"):
                shown = "-" if value is None else f"{value:.0f}"
                interval = "" if span is None else f"{span[0]:.0f}-{span[1]:.0f}"
                over = f"{m['n_questions']} questions"
            else:
                shown = "-" if value is None else f"{value:.3f}"
                interval = "" if span is None else f"{span[0]:.3f}-{span[1]:.3f}"
                over = f"{len(values.get(name, []))} {_over(name)}"
            rows.append((name, shown, interval, over))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [
            f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:>{widths[2]}}  {d}".rstrip()
            for a, b, c, d in rows
        ]
        lines.insert(1, "-" * len(lines[0]))
        n = m["n_questions"]
        head = (
            f"{n} question{'' if n == 1 else 's'}: {m['n_answerable']} answerable, "
            f"{m['n_unanswerable']} unanswerable"
        )
        if m["n_errors"]:
            head += f", {m['n_errors']} could not be asked (see report.json)"
        lines.insert(0, head)
        if self.ingest is not None:
            i = self.ingest
            lines.append(
                f"ingest: added {i['added']}, updated {i['updated']}, unchanged "
                f"{i['unchanged']}, skipped {i['skipped']} in {i['seconds']:.1f}s"
            )
        for block in (self._mode_lines(), self._breakdown_lines(), self._worst_lines()):
            if block:
                lines += ["", *block]
        if self.warnings:
            lines += ["", *(f"warning: {w}" for w in self.warnings)]
        return "\n".join(lines)

    def _mode_lines(self) -> list[str]:
        if len(self.by_mode) < 2:
            return []
        names = ["n_questions", "answer_contains_gold", "f1", "citation_recall"]
        names += ["citation_precision", "latency_p50_ms", "tokens_in_mean", "tokens_out_mean"]
        rows = [("answer mode", *names)]
        for mode, m in self.by_mode.items():
            rows.append((mode, *("-" if m.get(k) is None else _num(k, m[k]) for k in names)))
        return ["by answer mode:", *_aligned(rows)]

    def _breakdown_lines(self) -> list[str]:
        """The lines of the breakdown table (none when there is no segment)."""
        segment_rows = [
            (f"{kind} {label}", values)
            for kind, members in self.breakdown.items()
            for label, values in members.items()
        ]
        if not segment_rows:
            return []
        names = [*hit_names(self.results), f"mrr@{MRR_K}", "answer_contains_gold", "f1"]
        rows = [("segment", "n", *names)]
        for label, values in segment_rows:
            shown = ["-" if values.get(n) is None else f"{values[n]:.3f}" for n in names]
            rows.append((label, str(values["n"]), *shown))
        head = (
            f"by segment: n answerable questions; hit@k and mrr@{MRR_K} over those of them "
            "with evidence"
        )
        return [head, *_aligned(rows)]

    def _worst_lines(self) -> list[str]:
        if not self.worst_segments:
            return []
        lines = [f"worst segments (at least {WORST_MIN_N} questions, below the overall value):"]
        for w in self.worst_segments:
            lines.append(
                f"  {w['metric']}: {w['kind']} {w['label']} {w['value']:.3f} "
                f"(overall {w['overall']:.3f}, n={w['n']})"
            )
        return lines


def _num(name: str, value: Any) -> str:
    if isinstance(value, int) or name.endswith("_ms"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def _aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as columns: the first left-aligned, the others right-aligned; a rule below the
    header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = zip(row, widths, strict=True)
        lines.append("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(cells)))
    lines.insert(1, "-" * len(lines[0]))
    return lines
