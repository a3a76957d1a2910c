"""Two evaluation runs side by side: which metrics moved, whether that is more than chance,
and which questions flipped.

A run is its folder (holding ``report.json``) or the ``report.json`` itself. Metrics are
compared over the questions both runs hold (matched by id), from each question's per-metric
``scores`` in ``report.json``: the delta is B minus A, its 95% interval and p-value come from
a paired bootstrap over those questions (seeded), and it is *significant* when the interval
leaves out 0. A significant change for the worse in a quality metric is a *regression*
(``article-qa eval compare`` then exits with 1, for CI); latency and token counts are shown
but never gate. A question is *right* when its answer contains the gold answer (answerable)
or it abstained (unanswerable).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.metrics import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, paired_bootstrap
from index.errors import InputError

LOWER_IS_BETTER = frozenset({"false_abstention_rate", "latency_ms", "tokens_in_mean"})
LOWER_IS_BETTER |= {"tokens_out_mean", "off_topic_citation_rate"}
LOWER_IS_BETTER |= {f"undated_{n}" for n in LOWER_IS_BETTER}
COST = frozenset({"latency_ms", "tokens_in_mean", "tokens_out_mean"})


def load_run(path: str | Path) -> tuple[Path, dict[str, Any]]:
    """The ``report.json`` of a run folder (or the file itself) and its content."""
    path = Path(path)
    file = path / "report.json" if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"Cannot read {file}: {exc.strerror or exc}; give a run folder (holding "
            "report.json, as `article-qa eval --out DIR` writes) or a report.json"
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{file} is not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise InputError(f"{file} is not an evaluation report (no 'questions' list)")
    return file, data


def question_scores(record: Mapping[str, Any]) -> dict[str, float]:
    """A question's per-metric scores, from ``scores`` (reports of this version) or, for
    older reports, from the fields they had; plus its latency."""
    scores = dict(record.get("scores") or {})
    if not scores:
        answerable = record.get("answerable", True) is not False
        for name, hit in (record.get("hits") or {}).items():
            scores[name] = float(hit)
        if record.get("reciprocal_rank") is not None:
            scores["mrr@10"] = float(record["reciprocal_rank"])
        if answerable:
            scores["answer_contains_gold"] = float(bool(record.get("contains_gold")))
            scores["false_abstention_rate"] = float(bool(record.get("abstained")))
        else:
            scores["abstention_accuracy"] = float(bool(record.get("abstained")))
    if isinstance(record.get("latency_ms"), int | float):
        scores["latency_ms"] = float(record["latency_ms"])
    return scores


def is_right(record: Mapping[str, Any]) -> bool:
    """Whether the question was answered right (see the module doc)."""
    if record.get("answerable", True) is False:
        return bool(record.get("abstained"))
    return bool(record.get("contains_gold"))


@dataclass(frozen=True)
class MetricDelta:
    name: str
    n: int  # questions both runs have a score for
    a: float
    b: float
    delta: float  # b - a
    low: float
    high: float
    p_value: float
    lower_is_better: bool = False

    @property
    def significant(self) -> bool:
        return self.n > 0 and (self.low > 0 or self.high < 0)

    @property
    def regression(self) -> bool:
        """A significant change for the worse in a quality metric."""
        worse = self.delta > 0 if self.lower_is_better else self.delta < 0
        return self.significant and worse and self.name not in COST

    @property
    def improvement(self) -> bool:
        better = self.delta < 0 if self.lower_is_better else self.delta > 0
        return self.significant and better and self.name not in COST

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.name,
            "n": self.n,
            "a": _round(self.a),
            "b": _round(self.b),
            "delta": _round(self.delta),
            "interval": [_round(self.low), _round(self.high)],
            "p_value": round(self.p_value, 4),
            "significant": self.significant,
            "regression": self.regression,
        }


def _round(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


@dataclass
class Comparison:
    a: Path
    b: Path
    shared: int
    only_a: list[str]
    only_b: list[str]
    deltas: list[MetricDelta]
    right_to_wrong: list[str]
    wrong_to_right: list[str]
    warnings: list[str] = field(default_factory=list)
    changed: dict[str, list[Any]] = field(default_factory=dict)  # setting -> [in A, in B]

    @property
    def regressions(self) -> list[MetricDelta]:
        return [d for d in self.deltas if d.regression]

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": str(self.a),
            "b": str(self.b),
            "shared_questions": self.shared,
            "only_in_a": self.only_a,
            "only_in_b": self.only_b,
            "metrics": [d.to_dict() for d in self.deltas],
            "right_to_wrong": self.right_to_wrong,
            "wrong_to_right": self.wrong_to_right,
            "regressions": [d.name for d in self.regressions],
            "changed_settings": self.changed,
            "warnings": self.warnings,
        }

    def table(self, questions: Mapping[str, str] | None = None, max_flips: int = 20) -> str:
        """The deltas as an aligned table (``*`` marks a significant change, ``!`` a
        regression), then the flipped questions (with their text from ``questions``)."""
        lines = [f"A: {self.a}", f"B: {self.b}"]
        lines.append(
            f"{self.shared} questions in both runs"
            + (f"; {len(self.only_a)} only in A" if self.only_a else "")
            + (f"; {len(self.only_b)} only in B" if self.only_b else "")
        )
        if self.changed:
            shown = ", ".join(f"{k} {a!r} -> {b!r}" for k, (a, b) in self.changed.items())
            lines.append(f"settings changed: {shown}")
        rows = [("metric", "A", "B", "B-A", "95% interval", "p", "n", "")]
        for d in self.deltas:
            fmt = (
                "{:.0f}"
                if d.name in ("latency_ms", "tokens_in_mean", "tokens_out_mean")
                else "{:.3f}"
            )
            sign = "{:+.0f}" if fmt == "{:.0f}" else "{:+.3f}"
            mark = "! worse" if d.regression else ("* better" if d.improvement else "")
            if d.significant and not mark:
                mark = "* changed"
            rows.append(
                (
                    d.name,
                    fmt.format(d.a),
                    fmt.format(d.b),
                    sign.format(d.delta),
                    f"{sign.format(d.low)}..{sign.format(d.high)}",
                    f"{d.p_value:.3f}",
                    str(d.n),
                    mark,
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        table = [
            "  ".join(
                c.ljust(w) if i in (0, 7) else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
            for r in rows
        ]
        table.insert(1, "-" * len(table[0]))
        lines += ["", *table]
        for title, ids in (
            ("right -> wrong", self.right_to_wrong),
            ("wrong -> right", self.wrong_to_right),
        ):
            lines += ["", f"{title}: {len(ids)} question(s)"]
            for qid in ids[:max_flips]:
                text = (questions or {}).get(qid, "")
                lines.append(f"  {qid}  {text[:90]}".rstrip())
            if len(ids) > max_flips:
                lines.append(f"  ... and {len(ids) - max_flips} more")
        if self.regressions:
            names = ", ".join(d.name for d in self.regressions)
            lines += ["", f"REGRESSION: B is significantly worse than A on {names}"]
        else:
            lines += ["", "no significant regression"]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def compare(
    a: str | Path,
    b: str | Path,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Comparison:
    """Compare run ``b`` with run ``a`` (see the module doc)."""
    path_a, run_a = load_run(a)
    path_b, run_b = load_run(b)
    records_a = {str(q.get("id")): q for q in run_a["questions"]}
    records_b = {str(q.get("id")): q for q in run_b["questions"]}
    shared = [qid for qid in records_a if qid in records_b]
    warnings = []
    if not shared:
        raise InputError(
            f"{path_a} and {path_b} share no question (by id): they are not runs of the same "
            "gold set"
        )
    hash_a = (run_a.get("config") or {}).get("data_sha256", {}).get("gold")
    hash_b = (run_b.get("config") or {}).get("data_sha256", {}).get("gold")
    if hash_a and hash_b and hash_a != hash_b:
        warnings.append("the two runs used different gold files (sha256 differ)")
    settings_a = (run_a.get("config") or {}).get("settings") or {}
    settings_b = (run_b.get("config") or {}).get("settings") or {}
    changed = {
        name: [settings_a.get(name), settings_b.get(name)]
        for name in dict.fromkeys([*settings_a, *settings_b])
        if name != "store" and settings_a.get(name) != settings_b.get(name)
    }
    scores_a = {qid: question_scores(records_a[qid]) for qid in shared}
    scores_b = {qid: question_scores(records_b[qid]) for qid in shared}
    names = list(dict.fromkeys(n for qid in shared for n in scores_a[qid]))
    deltas = []
    for name in names:
        pairs = [
            (scores_a[qid][name], scores_b[qid][name])
            for qid in shared
            if name in scores_a[qid] and name in scores_b[qid]
        ]
        if not pairs:
            continue
        result = paired_bootstrap([p[0] for p in pairs], [p[1] for p in pairs], resamples, seed)
        deltas.append(
            MetricDelta(
                name,
                result.n,
                result.a,
                result.b,
                result.delta,
                result.low,
                result.high,
                result.p_value,
                lower_is_better=name in LOWER_IS_BETTER,
            )
        )
    right_to_wrong = [q for q in shared if is_right(records_a[q]) and not is_right(records_b[q])]
    wrong_to_right = [q for q in shared if not is_right(records_a[q]) and is_right(records_b[q])]
    return Comparison(
        a=path_a,
        b=path_b,
        shared=len(shared),
        only_a=[q for q in records_a if q not in records_b],
        only_b=[q for q in records_b if q not in records_a],
        deltas=deltas,
        right_to_wrong=right_to_wrong,
        wrong_to_right=wrong_to_right,
        warnings=warnings,
        changed=changed,
    )


def question_texts(path: str | Path) -> dict[str, str]:
    """Question id -> question text of a run (for showing flipped questions)."""
    _, data = load_run(path)
    return {str(q.get("id")): str(q.get("question", "")) for q in data["questions"]}
