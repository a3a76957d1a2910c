"""A long day and a busy desk: the app hands freed memory back after answers, and its own
routes keep answering while twenty questions wait (the soak itself is `benchmarks.soak`)."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import free_port

import ui.session
from ui.session import give_back_memory_soon


def test_freed_memory_is_given_back_once_after_answers_that_end_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trimmed = threading.Event()
    calls: list[int] = []

    class Libc:
        def malloc_trim(self, pad: int) -> int:
            calls.append(pad)
            trimmed.set()
            return 1

    monkeypatch.setattr(ui.session.ctypes, "CDLL", lambda name: Libc())
    monkeypatch.setattr(ui.session, "TRIM_AFTER_S", 0.2)
    for _ in range(5):
        give_back_memory_soon()
    assert trimmed.wait(10)
    give_back_memory_soon()  # a later answer: another trim
    time.sleep(1.0)  # (long enough for a second trim to have run, once)
    assert calls == [0, 0]


QUESTION = "How much is the Gull Point desalination plant expected to cost in total?"


@pytest.fixture
def app_url(sample_store_master: Path) -> Iterator[str]:
    from qa.assistant import Assistant
    from qa.config import Settings
    from ui.app import build_app, launch, warm_up

    settings = Settings.load(env={}, store=sample_store_master)
    assistant = Assistant(settings)
    demo = build_app(settings, assistant)
    warm_up(assistant)
    yield launch(demo, "127.0.0.1", free_port(), block=False)
    demo.close()


def test_the_apps_own_routes_answer_while_twenty_questions_wait(app_url: str) -> None:
    from gradio_client import Client

    clients = [Client(app_url, verbose=False) for _ in range(20)]
    answers: list[dict[str, Any]] = []
    failures: list[str] = []

    def ask(client: Client) -> None:
        try:
            answers.append(
                client.predict("How much will the desalination plant cost?", api_name="/ask")
            )
        except Exception as exc:  # (recorded: the assertion below names it)
            failures.append(repr(exc))

    threads = [threading.Thread(target=ask, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    probes = 0
    while any(t.is_alive() for t in threads):
        for path in ("/gradio_api/info", "/"):
            # each must answer while the questions queue (a timeout here fails the test)
            urllib.request.urlopen(app_url.rstrip("/") + path, timeout=10).read()
            probes += 1
    for t in threads:
        t.join()
    assert not failures, failures[:3]
    assert len(answers) == 20 and not answers[0]["abstained"]
    assert all(a["answer"] == answers[0]["answer"] for a in answers)  # the same under load
    assert "$412 million" in answers[0]["answer"]
    assert probes >= 2
