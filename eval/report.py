"""What an evaluation found: one record per question, the metrics over them, and the report
(``report.json`` and the terminal table)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eval.metrics import mean, percentile, segments, year_of

# The cut-offs of the retrieval metrics (hit@k for each, MRR over the last).
HIT_KS = (1, 5, 10)
MRR_K = 10


@dataclass(frozen=True)
class QuestionResult:
    """One gold question, what the assistant did with it, and how that scores."""

    id: str
    question: str
    question_date: str | None
    gold_answer: str
    answerable: bool
    evidence_ids: tuple[str, ...]
    answer: str
    abstained: bool
    cited_ids: tuple[str, ...]  # distinct article ids of the citations, in order
    retrieved_ids: tuple[str, ...]  # distinct article ids of the passages, best first
    rank: int | None  # 1-based rank of the first evidence article in retrieved_ids
    hits: dict[str, bool]  # "hit@1" ... for answerable questions with evidence
    reciprocal_rank: float | None
    contains_gold: bool | None  # None for unanswerable questions
    cites_evidence: bool | None  # an evidence article is cited; None without evidence
    latency_ms: float
    timings: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    source: str | None = None  # the quiz the question comes from ("CNN"); None when unknown
    mode: str = ""  # how the answer was made: extractive, generative, extractive-fallback

    @property
    def scored_retrieval(self) -> bool:
        return self.answerable and bool(self.evidence_ids)

    @property
    def year(self) -> int | None:
        """The year of ``question_date``; ``None`` without one."""
        return year_of(self.question_date)

    def to_dict(self) -> dict[str, Any]:
        """The record for ``report.json``; ``source`` and ``year`` only when known."""
        row = asdict(self)
        if self.source is None:
            del row["source"]
        if self.year is not None:
            row["year"] = self.year
        row["evidence_ids"] = list(self.evidence_ids)
        row["cited_ids"] = list(self.cited_ids)
        row["retrieved_ids"] = list(self.retrieved_ids)
        row["latency_ms"] = round(self.latency_ms, 1)
        row["timings"] = {k: round(v, 1) for k, v in self.timings.items()}
        if self.reciprocal_rank is not None:
            row["reciprocal_rank"] = round(self.reciprocal_rank, 4)
        return row


def summarize(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """The metrics over all questions. A share is ``None`` when no question counts for it.

    Retrieval metrics (hit@k, mrr@10) and ``cites_evidence`` count answerable questions that
    list evidence; ``answer_contains_gold`` (an abstention never contains it) and
    ``false_abstention_rate`` count answerable questions; ``abstention_accuracy`` counts
    unanswerable ones; latencies count every question.
    """
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    scored = [r for r in results if r.scored_retrieval]
    latencies = [r.latency_ms for r in results]
    metrics: dict[str, Any] = {}
    for name in hit_names(results):
        metrics[name] = mean(r.hits.get(name, False) for r in scored)
    metrics[f"mrr@{MRR_K}"] = mean(r.reciprocal_rank or 0.0 for r in scored)
    metrics["answer_contains_gold"] = mean(bool(r.contains_gold) for r in answerable)
    metrics["cites_evidence"] = mean(bool(r.cites_evidence) for r in scored)
    metrics["abstention_accuracy"] = mean(r.abstained for r in unanswerable)
    metrics["false_abstention_rate"] = mean(r.abstained for r in answerable)
    metrics["latency_p50_ms"] = percentile(latencies, 50) if latencies else None
    metrics["latency_p95_ms"] = percentile(latencies, 95) if latencies else None
    metrics = {k: (None if v is None else round(v, 4)) for k, v in metrics.items()}
    metrics["n_questions"] = len(results)
    metrics["n_answerable"] = len(answerable)
    metrics["n_unanswerable"] = len(unanswerable)
    metrics["n_retrieval_scored"] = len(scored)
    modes = Counter(r.mode for r in results if r.mode)
    if set(modes) - {"extractive"}:
        metrics["answer_modes"] = dict(sorted(modes.items()))
    metrics["n_errors"] = sum(1 for r in results if r.error is not None)
    return metrics


def breakdown(results: Sequence[QuestionResult]) -> dict[str, dict[str, dict[str, Any]]]:
    """The answerable questions' metrics by quiz source and by year (see ``segments``):
    ``{"source": {"CNN": {...}, ...}, "year": {"2022": {...}, ...}}``.

    Each segment holds ``n`` (its answerable questions), ``n_retrieval_scored`` (those of them
    that list evidence), the hit@k keys and mrr@10 over the latter, and
    ``answer_contains_gold`` over the former, computed as in ``summarize``. A question
    without a source (a date) is in no source (year) segment, and a segment with no
    answerable question does not appear.
    """
    names = [*hit_names(results), f"mrr@{MRR_K}", "answer_contains_gold"]
    answerable = [r for r in results if r.answerable]
    groups = segments(answerable, source=lambda r: r.source, year=lambda r: r.year)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, members in groups.items():
        out[kind] = {}
        for label, group in members.items():
            m = summarize(group)
            row = {"n": m["n_answerable"], "n_retrieval_scored": m["n_retrieval_scored"]}
            out[kind][label] = row | {name: m.get(name) for name in names}
    return out


def hit_names(results: Sequence[QuestionResult]) -> list[str]:
    """The ``hit@k`` keys the results hold (at least those of ``HIT_KS``), by k."""
    names = {f"hit@{k}" for k in HIT_KS} | {n for r in results for n in r.hits}
    return sorted(names, key=lambda n: int(n.removeprefix("hit@")))


# How the other metrics are shown in the table: name, which count it is over.
_ROWS = (
    (f"mrr@{MRR_K}", "answerable with evidence"),
    ("answer_contains_gold", "answerable"),
    ("cites_evidence", "answerable with evidence"),
    ("false_abstention_rate", "answerable"),
    ("abstention_accuracy", "unanswerable"),
    ("latency_p50_ms", "questions"),
    ("latency_p95_ms", "questions"),
)


@dataclass
class Report:
    """An evaluation run: ``config``, ``ingest``, ``metrics``, their ``breakdown`` by quiz
    source and year, and one record per question."""

    config: dict[str, Any]
    ingest: dict[str, Any] | None
    results: list[QuestionResult]
    metrics: dict[str, Any] = field(default_factory=dict)
    breakdown: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.metrics:
            self.metrics = summarize(self.results)
        if not self.breakdown:
            self.breakdown = breakdown(self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "ingest": self.ingest,
            "metrics": self.metrics,
            "breakdown": self.breakdown,
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
        """The metrics as an aligned plain-text table, each with the count it is over, then
        (when any question has a source or a date) their breakdown by source and year."""
        m = self.metrics
        counts = {
            "answerable with evidence": m["n_retrieval_scored"],
            "answerable": m["n_answerable"],
            "unanswerable": m["n_unanswerable"],
            "questions": m["n_questions"],
        }
        rows = [("metric", "value", "over")]
        hits = [(n, "answerable with evidence") for n in hit_names(self.results)]
        for name, over in (*hits, *_ROWS):
            value = m.get(name)
            if value is None:
                shown = "-"
            elif name.endswith("_ms"):
                shown = f"{value:.0f}"
            else:
                shown = f"{value:.3f}"
            rows.append((name, shown, f"{counts[over]} {over}"))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c}".rstrip() for a, b, c in rows]
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
        segment_lines = self._breakdown_lines()
        if segment_lines:
            lines += ["", *segment_lines]
        return "\n".join(lines)

    def _breakdown_lines(self) -> list[str]:
        """The lines of the breakdown table (none when there is no segment)."""
        segment_rows = [
            (f"{kind} {label}", values)
            for kind, members in self.breakdown.items()
            for label, values in members.items()
        ]
        if not segment_rows:
            return []
        names = [k for k in segment_rows[0][1] if k not in ("n", "n_retrieval_scored")]
        rows = [("segment", "n", *names)]
        for label, values in segment_rows:
            shown = ["-" if values[n] is None else f"{values[n]:.3f}" for n in names]
            rows.append((label, str(values["n"]), *shown))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = []
        for row in rows:
            cells = zip(row, widths, strict=True)
            lines.append(
                "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(cells))
            )
        lines.insert(1, "-" * len(lines[0]))
        head = (
            f"by segment: n answerable questions; hit@k and mrr@{MRR_K} over those of them "
            "with evidence"
        )
        return [head, *lines]
