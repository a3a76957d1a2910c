"""The abstention rule's evidence: per question, the signals that tell "the articles do not
say" from an answer, and how many questions each rule abstains on.

Usage: python -m benchmarks.abstention --store /work/bench-stores/subset --set subset

For every gold question (asked as of its question date): the abstention model's log-odds
(``qa.answer.AbstentionModel``), the best sentence's score, the best passage's fused score,
and how many days the newest of the k best passages is older than the question date. Prints
abstentions among unanswerable and answerable questions for a grid of ``abstain_threshold``
and ``stale_score`` values (``Settings.recent_days`` old counts as old).
"""

from __future__ import annotations

import logging

from benchmarks.common import bench_args
from eval.gold import GoldQuestion, load_gold
from qa.assistant import Assistant
from qa.config import Settings

logger = logging.getLogger(__name__)


def signals(assistant: Assistant, gold: list[GoldQuestion]) -> list[dict]:
    """One row of signals per question."""
    rows = []
    k = assistant.settings.k
    for item in gold:
        when = item.question_date
        passages = assistant.retrieve(item.question, reference_date=when)
        scored = assistant.answerer.score_sentences(item.question, passages, when)
        newest = max((p.published for p in passages[:k] if p.published), default=None)
        rows.append(
            {
                "answerable": item.answerable,
                "sentence": scored[0].score if scored else 0.0,
                "logit": assistant.answerer.abstention.logit(scored, passages, when),
                "passage": passages[0].score if passages else 0.0,
                "days_old": (when - newest).days if when and newest else None,
            }
        )
    return rows


def main() -> None:
    _, gold_path, _, store = bench_args(__doc__)
    assistant = Assistant(Settings.load(store=store))
    rows = signals(assistant, load_gold(gold_path))
    recent = assistant.settings.recent_days
    unanswerable = [r for r in rows if not r["answerable"]]
    answerable = [r for r in rows if r["answerable"]]
    lines = [f"{len(unanswerable)} unanswerable, {len(answerable)} answerable questions"]
    lines.append("threshold  stale_score  unanswerable abstained  answerable abstained")
    min_score = assistant.settings.min_score
    for threshold in (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, float("inf")):
        for stale in (0.0, 0.8, 0.85):

            def abstains(r: dict, t: float = threshold, s: float = stale) -> bool:
                old = r["days_old"] is not None and r["days_old"] > recent
                weak = r["sentence"] < min_score or r["logit"] > t
                return weak or (old and r["passage"] < s)

            lines.append(
                f"{threshold:9.2f}  {stale:11.2f}  "
                f"{sum(map(abstains, unanswerable)):>12} of {len(unanswerable):<9}"
                f"{sum(map(abstains, answerable)):>10} of {len(answerable)}"
            )
    logger.info("abstention rules on %s:\n%s", gold_path, "\n".join(lines))


if __name__ == "__main__":
    main()
