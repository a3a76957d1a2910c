"""Would a learned classifier make the two choices the date rules miss most better than the
rules? (issue 19): whether a "today" is the publication day or the present age, and whether
a bare weekday is past, the publication day or still to come.

Usage: python -m benchmarks.today_classifier [--cache FILE] [--doc docs/benchmarks.md]

The items, from ``benchmarks/data/dates.jsonl``: every "today"/"tonight" that is neither
part of "USA TODAY" nor ``unresolved`` (``date`` or ``not_a_date``: the present age, an
idiom, a name); every weekday labelled as one day (past, the same day or coming, against the
publication date). The features: the words up to 8 either side, the words right before and
after, the rules' own verdict (``qa.when``), the clause's tense, a few marks (capital,
sentence start, possessive, quotes, a past or future word anywhere) and, for a weekday, how
many days after the publication day's weekday it falls. A logistic regression is scored
leave-one-part-out: trained on every other part of the gold set and tested on the part left
out, so every item is judged by a model that never saw its part. The rules are scored on the
same items as they stand (studied on all of them), which favours the rules.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import re
from pathlib import Path

import numpy as np

from benchmarks.common import append_section, machine
from benchmarks.date_gold import GOLD, texts
from benchmarks.dates import part
from benchmarks.paths import REPO
from qa.date_words import WEEKDAY
from qa.dates import WEEKDAYS
from qa.tense import FUTURE, PAST, tense_of
from qa.when import resolve_dates

_TOKEN = re.compile(r"[\w'’]+|[^\w\s]")
_WEEKDAY = re.compile(WEEKDAY, re.IGNORECASE)


def relation(day: dt.date | None, published: dt.date) -> str:
    if day is None:
        return "none"
    return "past" if day < published else ("same" if day == published else "coming")


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
    found[f"rules_{relation(resolved[0].date if resolved else None, published)}"] = 1.0
    found[f"tense_{tense_of(sentence, start, end)}"] = 1.0
    found["capital"] = float(sentence[start].isupper())
    found["opens"] = float(not sentence[:start].strip(" \"“'‘"))
    found["possessive"] = float(sentence[end : end + 2] in ("'s", "’s"))
    found["quotes"] = float(any(q in sentence for q in '"“”'))
    found["past_word"] = float(PAST.search(sentence) is not None)
    found["future_word"] = float(FUTURE.search(sentence) is not None)
    weekday = _WEEKDAY.search(sentence, start, end)
    if weekday:
        found[f"gap_{(WEEKDAYS.index(weekday.group(0).lower()) - published.weekday()) % 7}"] = 1.0
    return found


def tasks(cache: Path | None) -> dict[str, list[tuple[dict[str, float], str, str]]]:
    """For each choice, its items as (features, the right answer, the gold part)."""
    gold = [json.loads(line) for line in GOLD.read_text("utf-8").splitlines() if line]
    bodies = json.loads(cache.read_text("utf-8")) if cache and cache.exists() else texts(gold)
    if cache and not cache.exists():
        cache.write_text(json.dumps(bodies), encoding="utf-8")
    out: dict[str, list[tuple[dict[str, float], str, str]]] = {"today": [], "weekday": []}
    for item in gold:
        sentence = bodies[item["article_id"]][item["start"] : item["end"]]
        a, b = item["mention"]
        published = dt.date.fromisoformat(item["published"])
        if sentence[a:b].lower() in ("today", "tonight") and item["label"] != "unresolved":
            if not re.search(r"usa\s*$", sentence[max(0, a - 5) : a], re.IGNORECASE):
                answer = "generic" if item["label"] == "not_a_date" else "dated"
                out["today"].append((features(sentence, a, b, published), answer, part(item["n"])))
        elif item["kind"] == "weekday" and item["label"] == "date" and item["precision"] == "day":
            answer = relation(dt.date.fromisoformat(item["date"]), published)
            out["weekday"].append((features(sentence, a, b, published), answer, part(item["n"])))
    return out


def rules_answer(task: str, found: dict[str, float]) -> str:
    if task == "today":
        return "generic" if found["rules_generic"] else "dated"
    return next((r for r in ("past", "same", "coming") if found.get(f"rules_{r}")), "none")


def left_out_right(rows: list[tuple[dict[str, float], str, str]], strength: float) -> int:
    """How many items a model trained without their part gets right."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    answers = np.array([r[1] for r in rows])
    right = 0
    for left_out in sorted({r[2] for r in rows}):
        train = [i for i, r in enumerate(rows) if r[2] != left_out]
        test = [i for i, r in enumerate(rows) if r[2] == left_out]
        vectorizer = DictVectorizer()
        model = LogisticRegression(C=strength, max_iter=3000).fit(
            vectorizer.fit_transform([rows[i][0] for i in train]), answers[train]
        )
        guess = model.predict(vectorizer.transform([rows[i][0] for i in test]))
        right += int((guess == answers[test]).sum())
    return right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args()
    chosen = tasks(args.cache)

    def cell(task: str, right: int) -> str:
        return f"{right / len(chosen[task]):.3f} ({right})"

    rules = {
        task: sum(rules_answer(task, f) == answer for f, answer, _ in rows)
        for task, rows in chosen.items()
    }
    lines = [
        f"| the rules (studied on every item) | {cell('today', rules['today'])} "
        f"| {cell('weekday', rules['weekday'])} |"
    ]
    for strength in (0.1, 0.3, 1.0, 3.0):
        got = {task: left_out_right(rows, strength) for task, rows in chosen.items()}
        lines.append(
            f"| model, C {strength} | {cell('today', got['today'])} "
            f"| {cell('weekday', got['weekday'])} |"
        )
    counts = {t: collections.Counter(r[1] for r in rows) for t, rows in chosen.items()}
    append_section(
        args.doc,
        [
            "",
            f"### Two date choices: rules against a learned model ({dt.date.today()})",
            "",
            "- command: `python -m benchmarks.today_classifier`",
            f"- machine: {machine()}",
            f'- "today": {len(chosen["today"])} items ({dict(counts["today"])}); weekdays: '
            f"{len(chosen['weekday'])} items ({dict(counts['weekday'])}); models scored "
            "leave-one-part-out; C is the inverse regularisation",
            "",
            '| decided by | "today": generic or dated | weekday: past, same day or coming |',
            "|---|---|---|",
            *lines,
            "",
        ],
    )


if __name__ == "__main__":
    main()
