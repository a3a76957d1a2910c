"""Would a learned classifier tell the generic "today" from the dated one better than the
rules? (issue 19: the largest kind of miss on sentences the rules never saw).

Usage: python -m benchmarks.today_classifier [--cache FILE] [--doc docs/benchmarks.md]

The items: every hand-labelled "today"/"tonight" of ``benchmarks/data/dates.jsonl`` that is
neither part of "USA TODAY" nor ``unresolved``: ``date`` (the publication day) or
``not_a_date`` (the present age, an idiom, a name). The features: the words up to 8 either
side, the words right before and after, the rules' own verdict (``qa.when`` resolves it or
not), the clause's tense, and a few marks (capital, sentence start, possessive, quotes, a
past or future word anywhere). A logistic regression is scored leave-one-part-out: trained
on every other part of the gold set, tested on the part left out, so every item is judged
by a model that never saw its part. The rules are scored on the same items as they stand
(studied on all of them), which favours the rules.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import append_section, machine
from benchmarks.date_gold import GOLD, texts
from benchmarks.dates import part
from benchmarks.paths import REPO
from qa.tense import FUTURE, PAST, tense_of
from qa.when import resolve_dates

_TOKEN = re.compile(r"[\w'’]+|[^\w\s]")


def features(sentence: str, start: int, end: int, published: dt.date) -> dict[str, float]:
    left = _TOKEN.findall(sentence[max(0, start - 80) : start].lower())[-8:]
    right = _TOKEN.findall(sentence[end : end + 80].lower())[:8]
    found: dict[str, float] = {f"L_{w}": 1.0 for w in left} | {f"R_{w}": 1.0 for w in right}
    if left:
        found[f"L1_{left[-1]}"] = 1.0
    if right:
        found[f"R1_{right[0]}"] = 1.0
    resolved = [
        m for m in resolve_dates(sentence, published) if m.start < end and m.end > start and m.date
    ]
    found["rules_generic"] = float(not resolved)
    found[f"tense_{tense_of(sentence, start, end)}"] = 1.0
    found["capital"] = float(sentence[start].isupper())
    found["opens"] = float(not sentence[:start].strip(" \"“'‘"))
    found["possessive"] = float(sentence[end : end + 2] in ("'s", "’s"))
    found["quotes"] = float(any(q in sentence for q in '"“”'))
    found["past_word"] = float(PAST.search(sentence) is not None)
    found["future_word"] = float(FUTURE.search(sentence) is not None)
    return found


def items(cache: Path | None) -> list[tuple[dict[str, Any], str]]:
    gold = [json.loads(line) for line in GOLD.read_text("utf-8").splitlines() if line]
    bodies = json.loads(cache.read_text("utf-8")) if cache and cache.exists() else texts(gold)
    if cache and not cache.exists():
        cache.write_text(json.dumps(bodies), encoding="utf-8")
    out = []
    for item in gold:
        sentence = bodies[item["article_id"]][item["start"] : item["end"]]
        a, b = item["mention"]
        if sentence[a:b].lower() not in ("today", "tonight") or item["label"] == "unresolved":
            continue
        if re.search(r"usa\s*$", sentence[max(0, a - 5) : a], re.IGNORECASE):
            continue
        out.append((item, sentence))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args()
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    chosen = items(args.cache)
    rows = [
        features(
            s, item["mention"][0], item["mention"][1], dt.date.fromisoformat(item["published"])
        )
        for item, s in chosen
    ]
    generic = np.array([item["label"] == "not_a_date" for item, _ in chosen])
    parts = [part(item["n"]) for item, _ in chosen]
    rules = np.array([bool(r["rules_generic"]) for r in rows])
    lines = []
    for strength in (0.1, 0.3, 1.0, 3.0):
        right: collections.Counter[str] = collections.Counter()
        for left_out in sorted(set(parts)):
            train = [i for i, p in enumerate(parts) if p != left_out]
            test = [i for i, p in enumerate(parts) if p == left_out]
            vectorizer = DictVectorizer()
            model = LogisticRegression(C=strength, max_iter=2000).fit(
                vectorizer.fit_transform([rows[i] for i in train]), generic[train]
            )
            guess = model.predict(vectorizer.transform([rows[i] for i in test]))
            right["model"] += int((guess == generic[test]).sum())
        lines.append(f"| C {strength} | {right['model'] / len(rows):.3f} ({right['model']}) |")
    rules_right = int((rules == generic).sum())
    append_section(
        args.doc,
        [
            "",
            f'### Generic or dated "today": rules against a learned model ({dt.date.today()})',
            "",
            "- command: `python -m benchmarks.today_classifier`",
            f"- machine: {machine()}",
            f"- {len(rows)} labelled items ({int(generic.sum())} generic, "
            f"{int((~generic).sum())} dated) in {len(set(parts))} parts; the model scored "
            "leave-one-part-out",
            "",
            "| decided by | right (C: the model's inverse regularisation) |",
            "|---|---|",
            f"| the rules (studied on every item) | {rules_right / len(rows):.3f} "
            f"({rules_right}) |",
            *lines,
            "",
        ],
    )


if __name__ == "__main__":
    main()
