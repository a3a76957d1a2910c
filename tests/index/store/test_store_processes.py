"""A running app sees articles that another process ingests while it runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import REPO, SAMPLES

from qa import Assistant


def test_answers_see_articles_ingested_by_another_process(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = SAMPLES / "election-runoff-result.txt"
    subprocess.run(
        [sys.executable, "-m", "qa.cli", "ingest", str(first), "--store", str(store), "-q"],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    assistant = Assistant(store=store)  # a long-lived process, like the app
    assert "Marovic" in assistant.ask("Who won the runoff in Estravia?").text
    fresh = tmp_path / "ferry.txt"
    fresh.write_text(
        "Ferry service returns to Gullhaven\n\nThe Gullhaven ferry carried 4,812 passengers "
        "on its first day back after the storm repairs.\n",
        encoding="utf-8",
    )
    subprocess.run(
        [sys.executable, "-m", "qa.cli", "ingest", str(fresh), "--store", str(store), "-q"],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    result = assistant.ask("How many passengers did the Gullhaven ferry carry on its first day?")
    assert "4,812" in result.text
    assert result.citations[0].article_id == "ferry"
