"""Fit what an answer's trust rests on, and score it on later weeks than it was fitted on.

Usage: python -m benchmarks.tune_trust --set half --store STORE [--cache FILE]

1. Collect (the slow part; ``--cache`` keeps it): every question of the set is retrieved as
   ``Assistant.ask`` does and the answerer's sentence features are taken, four ways: as of
   its ``question_date`` and without a date (the chat's, ``ask``'s and ``answer()``'s
   default), each with its evidence in the store and with its evidence articles left out
   (answerable questions that list evidence; as the eval's trust check does).
2. Time split: the questions sorted by ``question_date``; the earlier half fits, the later
   half is scored (a news tool meets new weeks). Then everything is fitted on all questions:
   the values printed for the code, and the in-sample figures beside the held-out ones.
3. What is fitted, in order (each on the fitting questions only):
   a. sentence weights (``ExtractiveWeights``): a softmax over each answerable question's
      sentences (dated, evidence in) putting those that hold the gold answer first;
   b. the short-answer model (``qa.spans.SpanModel``): a softmax over each answerable
      question's candidates (both modes, evidence in) putting those equal to the gold
      answer (folded as eval folds for exact match) first;
   c. the abstention models, dated and undated (``AbstentionModel``): a class-balanced
      logistic regression whose positives are the answers that would not hold the gold
      answer (unanswerable questions, answerable ones answered wrongly, and the
      evidence-removed askings answered wrongly), its bias set so that ``FALSE_ABSTENTIONS``
      of the answerable questions (evidence in) abstain.
4. Scored with the answerer as the product runs it (``ExtractiveAnswerer.answer``), per mode:
   answer contains gold, short answer exact match, false abstentions, unanswerable
   abstained, evidence removed: abstained or still right, off-topic citations (from an
   article that is not evidence and a passage without the gold answer), citations per
   answer.

The tables go to docs/benchmarks.md; the fitted values are logged as Python to paste into
qa/answer.py (``ExtractiveWeights``, ``DATED_ABSTENTION``, ``UNDATED_ABSTENTION``) and
qa/spans.py (``DEFAULT_SPAN_MODEL``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.common import append_section, bench_args, cache_option, machine, tuning_items
from eval.metrics import contains_answer, exact_match, squad_normalize
from eval.scoring import off_topic
from index.embed import Embedder
from qa.answer import (
    FEATURES,
    AbstentionModel,
    ExtractiveAnswerer,
    ExtractiveWeights,
    SentenceFeatures,
)
from qa.assistant import Assistant, stale_notice
from qa.config import Settings
from qa.retrieve import Passage
from qa.spans import SPAN_FEATURES, SpanModel, candidates

log = logging.getLogger("tune")

FALSE_ABSTENTIONS = 0.02  # the share of answerable questions the bias lets abstain
MODES = ("dated", "undated")
MARGINS = (0.5, 1.0, 2.0, 3.0)
MIN_SCORES = (0.0, 0.45, 0.5, 0.55, 0.6, 0.65)
STALE_SCORES = (0.0, 0.6, 0.7, 0.8, 0.9)


@dataclasses.dataclass
class Item:
    """One asking of a gold question, with what the answerer saw."""

    row: dict[str, Any]
    mode: str  # dated or undated
    removed: bool  # the evidence articles were left out
    passages: list[Passage]
    found: SentenceFeatures

    @property
    def answerable(self) -> bool:
        return bool(self.row.get("answerable", True))

    @property
    def reference(self) -> dt.date | None:
        return dt.date.fromisoformat(self.row["question_date"]) if self.mode == "dated" else None

    @property
    def answers(self) -> list[str]:
        return [str(self.row.get("answer") or "")]

    @property
    def evidence(self) -> set[str]:
        return {e["article_id"] for e in self.row.get("evidence", [])}


def collect(assistant: Assistant, rows: Sequence[dict[str, Any]]) -> list[Item]:
    from tqdm.auto import tqdm

    items = []
    for row in tqdm(rows, desc="collect", unit=" questions", disable=None):
        evidence = [e["article_id"] for e in row.get("evidence", [])]
        ways = [(mode, False) for mode in MODES]
        if row.get("answerable", True) and evidence:
            ways += [(mode, True) for mode in MODES]
        for mode, removed in ways:
            reference = dt.date.fromisoformat(row["question_date"]) if mode == "dated" else None
            passages = assistant.retrieve(
                row["question"], reference_date=reference, exclude=evidence if removed else ()
            )
            found = assistant.answerer.features(row["question"], passages, reference)
            items.append(Item(row, mode, removed, passages, found))
    return items


def fit_softmax(groups: Sequence[tuple[np.ndarray, np.ndarray]], l2: float = 1e-3) -> np.ndarray:
    """Weights putting each group's positives first: ``groups`` of (features, positives)."""
    groups = [(x, t / t.sum()) for x, t in groups if t.any()]
    w = np.zeros(groups[0][0].shape[1])
    for _ in range(600):
        grad = np.zeros_like(w)
        for values, target in groups:
            s = values @ w
            p = np.exp(s - s.max())
            grad += values.T @ (p / p.sum() - target)
        w -= 0.5 * (grad / len(groups) + l2 * w)
    return w


def fit_weights(items: Sequence[Item]) -> ExtractiveWeights:
    groups = []
    for it in items:
        if it.mode == "dated" and not it.removed and it.answerable:
            gold = np.array([contains_answer(s[3], it.answers[0]) for s in it.found.sentences])
            groups.append((it.found.values, gold.astype(float)))
    w = fit_softmax(groups)
    fitted: dict[str, Any] = {n: round(float(v), 3) for n, v in zip(FEATURES, w, strict=True)}
    return dataclasses.replace(ExtractiveWeights(), **fitted)


def fit_spans(items: Sequence[Item], answerer: ExtractiveAnswerer) -> SpanModel:
    groups = []
    for it in items:
        if it.removed or not it.answerable:
            continue
        scored = answerer.rank(it.found)
        spans = candidates(it.row["question"], scored[:3], [p.text for p in it.passages[:10]])
        if not spans:
            continue
        gold = squad_normalize(it.answers[0])
        target = np.array([squad_normalize(s.text) == gold for s in spans], dtype=float)
        groups.append((np.array([s.values for s in spans]), target))
    w = fit_softmax(groups)
    return SpanModel(**{n: round(float(v), 3) for n, v in zip(SPAN_FEATURES, w, strict=True)})


def _outcome(it: Item, answerer: ExtractiveAnswerer) -> dict[str, Any]:
    """What the answerer (never abstaining by its model) does with ``it``: its abstention
    inputs and whether its answer holds the gold answer."""
    scored = answerer.rank(it.found)
    short = answerer.short_answer(it.row["question"], scored, it.passages)
    chosen = answerer.choose(scored, short)
    text = " ".join(s.text for s in chosen)
    right = it.answerable and bool(chosen) and contains_answer(text, it.answers[0])
    x = (
        AbstentionModel.inputs(scored, it.passages, it.reference, it.row["question"], short)
        if scored
        else None
    )
    return {"x": x, "right": right}


def fit_abstention(items: Sequence[Item], answerer: ExtractiveAnswerer) -> AbstentionModel:
    from sklearn.linear_model import LogisticRegression  # (installed with sentence-transformers)

    rows = [(it, _outcome(it, answerer)) for it in items]
    rows = [(it, o) for it, o in rows if o["x"] is not None]
    x = np.array([o["x"] for _, o in rows])
    y = np.array([not o["right"] for _, o in rows], dtype=float)
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(x, y)
    z = x @ model.coef_[0] + model.intercept_[0]
    kept = [z[i] for i, (it, _) in enumerate(rows) if it.answerable and not it.removed]
    threshold = threshold_for(np.array(kept), FALSE_ABSTENTIONS)
    coef = model.coef_[0]
    values = {n: round(float(v), 3) for n, v in zip(AbstentionModel.INPUTS, coef, strict=True)}
    return AbstentionModel(bias=round(float(model.intercept_[0] - threshold), 3), **values)


def threshold_for(logits: np.ndarray, share: float) -> float:
    """The threshold above which ``share`` of ``logits`` (the answerable askings) lie."""
    ordered = np.sort(logits)
    return float(ordered[len(ordered) - round(len(ordered) * share) - 1])


@dataclasses.dataclass
class Fitted:
    weights: ExtractiveWeights
    spans: SpanModel
    dated: AbstentionModel
    undated: AbstentionModel


def fit(
    items: Sequence[Item],
    embedder: Embedder,
    base: Settings,
    weights: ExtractiveWeights | None = None,
) -> Fitted:
    """Everything fitted on ``items``; the sentence weights too unless given."""
    weights = fit_weights(items) if weights is None else weights
    plain = ExtractiveAnswerer(
        embedder,
        max_sentences=base.max_sentences,
        min_score=base.min_score,
        weights=weights,
        abstain_threshold=np.inf,
    )
    spans = fit_spans(items, plain)
    plain.spans = spans
    dated = fit_abstention([it for it in items if it.mode == "dated"], plain)
    undated = fit_abstention([it for it in items if it.mode == "undated"], plain)
    return Fitted(weights, spans, dated, undated)


def answerer_of(fitted: Fitted, embedder: Embedder, base: Settings) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(
        embedder,
        max_sentences=base.max_sentences,
        min_score=base.min_score,
        weights=fitted.weights,
        abstain_threshold=base.abstain_threshold,
        abstention=fitted.dated,
        undated_abstention=fitted.undated,
        spans=fitted.spans,
    )


def score(
    items: Sequence[Item],
    answerer: ExtractiveAnswerer,
    mode: str,
    settings: Settings | None = None,
) -> dict[str, float]:
    """The product's figures for the ``mode`` askings of ``items``; with ``settings``, the
    assistant's check for stale articles (``stale_score``, dated askings) comes first, as
    ``Assistant.ask`` runs it."""
    sums: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        sums.setdefault(name, []).append(value)

    for it in items:
        if it.mode != mode:
            continue
        got = answerer.answer(it.row["question"], it.passages, it.found, it.reference)
        if settings is not None and stale_notice(settings, it.passages, it.reference):
            got = dataclasses.replace(got, text="", citations=(), abstained=True)
        contains = not got.abstained and contains_answer(got.text, it.answers[0])
        if it.removed:
            add("removed_right", float(got.abstained or contains))
            add("removed_abstained", float(got.abstained))
            continue
        if not it.answerable:
            add("unanswerable_abstained", float(got.abstained))
            continue
        add("contains_gold", float(contains))
        short = "" if got.abstained else (got.citations[0].phrase_text if got.citations else "")
        add("short_em", exact_match(short, it.answers) if short else 0.0)
        add("false_abstention", float(got.abstained))
        if not got.abstained and got.citations:
            add("citations", float(len(got.citations)))
            off = off_topic(got.citations, it.evidence, it.answers)
            add("off_topic", sum(off) / len(off))  # (per answer, as the eval counts it)
    return {name: float(np.mean(v)) for name, v in sums.items()}


COLUMNS = (
    ("contains_gold", "contains gold", ">= 0.80"),
    ("short_em", "short answer EM", ">= 0.60"),
    ("removed_right", "evidence removed: abstained or right", ">= 0.80"),
    ("false_abstention", "false abstentions", "<= 0.03"),
    ("off_topic", "off-topic citations", "<= 0.05"),
    ("unanswerable_abstained", "unanswerable abstained", ""),
    ("removed_abstained", "evidence removed: abstained", ""),
    ("citations", "citations per answer", ""),
)


def table(results: dict[str, dict[str, float]]) -> list[str]:
    heads = list(results)
    lines = ["| metric | target | " + " | ".join(heads) + " |", "|---|---|" + "---|" * len(heads)]
    for key, label, target in COLUMNS:
        cells = [f"{results[h][key]:.3f}" if key in results[h] else "-" for h in heads]
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    args, gold_path, articles_path, store = bench_args(__doc__, cache_option)
    started = time.perf_counter()
    assistant, items = tuning_items(store, articles_path, gold_path, collect, args.cache)
    embedder, base = assistant.embedder, assistant.settings
    dates = sorted({it.row["question_date"] for it in items})
    cut = dates[len(dates) // 2]
    early = [it for it in items if it.row["question_date"] < cut]
    late = [it for it in items if it.row["question_date"] >= cut]
    n_early = len({it.row["id"] for it in early})
    n_late = len({it.row["id"] for it in late})
    log.info("time split at %s: %d questions fit, %d scored", cut, n_early, n_late)
    early_fit = fit(early, embedder, base)
    held = answerer_of(early_fit, embedder, base)
    # The shipped sentence weights stay those fitted on the whole dev set over the whole
    # corpus (benchmarks.tune_extractive); the rest is fitted on all questions for them.
    everything = fit(items, embedder, base, weights=ExtractiveWeights())
    whole = answerer_of(everything, embedder, base)
    shipped = assistant.answerer
    results = {}
    for mode in MODES:
        results[f"{mode}: held out (later half)"] = score(late, held, mode, base)
        results[f"{mode}: in-sample (later half)"] = score(late, whole, mode, base)
        results[f"{mode}: shipped code (later half)"] = score(late, shipped, mode, base)
    margins = ["| margin | mode | contains gold | short answer EM | off-topic | citations |"]
    margins.append("|---|---|---|---|---|---|")
    for margin in MARGINS:
        changed = dataclasses.replace(
            early_fit, weights=dataclasses.replace(early_fit.weights, margin=margin)
        )
        for mode in MODES:
            r = score(late, answerer_of(changed, embedder, base), mode)
            margins.append(
                f"| {margin} | {mode} | {r['contains_gold']:.3f} | {r['short_em']:.3f} | "
                f"{r.get('off_topic', 0):.3f} | {r.get('citations', 0):.2f} |"
            )
    gates = [
        "| gate | value | mode | contains gold | false abstentions | unanswerable abstained "
        "| evidence removed: right |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, values in (("min_score", MIN_SCORES), ("stale_score", STALE_SCORES)):
        for value in values:
            gated = (
                dataclasses.replace(base, min_score=value)
                if name == "min_score"
                else dataclasses.replace(base, stale_score=value)
            )
            answerer = answerer_of(early_fit, embedder, gated)
            for mode in MODES if name == "min_score" else ("dated",):
                r = score(late, answerer, mode, gated)
                shipped_mark = " (shipped)" if getattr(base, name) == value else ""
                gates.append(
                    f"| {name} | {value}{shipped_mark} | {mode} | {r['contains_gold']:.3f} | "
                    f"{r['false_abstention']:.3f} | {r.get('unanswerable_abstained', 0):.3f} | "
                    f"{r.get('removed_right', 0):.3f} |"
                )
    lines = [
        "",
        f"### Trust: short answers, abstention, no padding, rtqa {args.set}: "
        f"{dt.date.today().isoformat()}",
        "",
        f"- command: `python -m benchmarks.tune_trust --set {args.set} --store {store}`",
        f"- machine: {machine()}",
        f"- time split by question_date at {cut}: fitted on the {n_early} questions before it, "
        f"scored on the {n_late} from it on (held out: sentence weights, short-answer and "
        "abstention models all refitted on the earlier questions); in-sample: the "
        "short-answer and abstention models fitted on all of them, for the shipped sentence "
        "weights (the values printed for the code); shipped code: the answerer as committed. "
        "Wall time "
        f"{time.perf_counter() - started:.0f} s.",
        "",
        *table(results),
        "",
        "The margin (how far behind the best sentence another may score and still be quoted), "
        "held out:",
        "",
        *margins,
        "",
        "The two gates before the abstention model, held out (the models fitted on the "
        "earlier half for the shipped gates; scored with the assistant's stale check): "
        "`min_score` (no sentence matches the question even plainly) and `stale_score` "
        "(asked as of a date, the best passages are weeks older and match weakly):",
        "",
        *gates,
        "",
    ]
    append_section(args.doc, lines)
    log.info("ExtractiveWeights: %s", everything.weights)
    log.info("DEFAULT_SPAN_MODEL = %s", everything.spans)
    log.info("DATED_ABSTENTION = %s", everything.dated)
    log.info("UNDATED_ABSTENTION = %s", everything.undated)


if __name__ == "__main__":
    # run from the imported module, so that the cache pickles benchmarks.tune_trust.Item
    from benchmarks.tune_trust import main as run_main

    run_main()
