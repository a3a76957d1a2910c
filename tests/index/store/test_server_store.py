"""A store on a real Chroma server (`chroma run`) on 127.0.0.1: ingest, ask, remove, restart."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chroma_server import ChromaServer
from click.testing import CliRunner
from support import SAMPLE_QUESTIONS, SAMPLES, free_port

from index.embed import Embedder
from index.errors import StoreError, StoreLost
from index.ingest import Ingestor
from index.store import open_store
from index.store.server import ServerStore
from qa import Assistant
from qa.cli import main
from qa.config import Settings

QUESTIONS = [json.loads(line) for line in SAMPLE_QUESTIONS.read_text("utf-8").splitlines()]
QUESTION = next(q for q in QUESTIONS if q["id"] == "s01")
EVIDENCE = QUESTION["evidence"][0]["article_id"]


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChromaServer]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    chroma = ChromaServer(tmp_path / "chroma-data", tmp_path / "chroma.log")
    chroma.start()
    yield chroma
    chroma.stop()


def _cited(assistant: Assistant, question: str) -> set[str]:
    result = assistant.ask(question, reference_date=None)
    return {c.article_id for c in result.citations} | {
        copy for c in result.citations for copy in c.copies
    }


def test_ingest_ask_remove_and_restart_against_a_chroma_server(
    server: ChromaServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sample_store_master: Path,
) -> None:
    url = f"{server.url}/newsroom"
    store = open_store(url)
    assert isinstance(store, ServerStore) and store.location == url
    assert not store.exists() and store.count() == 0 and store.is_empty()

    report = Ingestor(store).ingest_paths([SAMPLES], progress=False)
    assert report.added >= 15 and not report.skipped
    n_articles, n_chunks = store.count(), store.count_chunks()
    assert n_articles == report.added and n_chunks == report.chunks and not store.is_empty()
    assert store.embed_model is not None
    local = open_store(sample_store_master)  # the same articles in a local store
    assert store.sources() == local.sources() and len(store.sources()) >= 3
    for order in ("published_at DESC, title", "title", "id"):
        remote_ids = [r.article.id for r in store.iter_articles(order)]
        assert remote_ids == [r.article.id for r in local.iter_articles(order)], order
    record, local_record = store.get(EVIDENCE), local.get(EVIDENCE)
    assert record is not None and local_record is not None
    assert record.article == local_record.article and record.n_chunks == local_record.n_chunks

    # A second run over the same files embeds nothing.
    again = Ingestor(open_store(url)).ingest_paths([SAMPLES], progress=False)
    assert again.added == 0 and again.unchanged == report.added and again.chunks == 0

    assistant = Assistant(Settings.load(store=url))
    assert EVIDENCE in _cited(assistant, QUESTION["question"])
    for mode in ("dense", "bm25"):
        passages = Assistant(Settings.load(store=url, retrieval=mode)).retrieve(
            QUESTION["question"]
        )
        assert EVIDENCE in {p.article_id for p in passages}, mode

    # Another app instance (its own BM25 cache) sees the same store and every change.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other-cache"))
    other = open_store(url)
    assert other.count() == n_articles and other.path != store.path
    assert store.remove(EVIDENCE) and not store.remove(EVIDENCE)
    assert other.get(EVIDENCE) is None and other.count() == n_articles - 1
    bm25_ids = {hit.chunk_id for hit in other.lexical(QUESTION["question"], 50)}
    chunk_ids = set(other.collection.get(include=[])["ids"])
    assert bm25_ids and bm25_ids <= chunk_ids
    assert not other.collection.get(where={"article_id": EVIDENCE}, include=[])["ids"]
    assert EVIDENCE not in _cited(assistant, QUESTION["question"])
    assert EVIDENCE not in _cited(Assistant(Settings.load(store=url)), QUESTION["question"])

    # The server restarts on the same data: nothing is lost, the old objects reconnect.
    server.stop()
    with pytest.raises(StoreError, match="cannot reach the Chroma server"):
        open_store(url).count()
    server.start()
    assert open_store(url).count() == n_articles - 1
    assert open_store(url).count_chunks() < n_chunks
    result = assistant.ask("When did the rail strike end?", reference_date=None)
    assert "January 28" in result.text

    # Another embedding model is refused, with what to do.
    with pytest.raises(StoreError, match="--embed-model"):
        open_store(url).check_model("some-other-model", 768)


def test_the_cli_takes_a_server_url_and_stores_do_not_mix(
    server: ChromaServer, tmp_path: Path
) -> None:
    runner = CliRunner()
    first, second = f"{server.url}/desk-one", f"{server.url}/desk-two"
    result = runner.invoke(
        main, ["ingest", str(SAMPLES / "desal-plant-vote.txt"), "--store", first]
    )
    assert result.exit_code == 0, result.output
    assert first in result.output
    listed = runner.invoke(main, ["list", "--store", first, "--json"])
    assert listed.exit_code == 0, listed.output
    assert [json.loads(line)["id"] for line in listed.output.splitlines()] == ["desal-plant-vote"]
    assert open_store(second).count() == 0  # another name on the same server is another store
    assert open_store(str(tmp_path / "local")).count() == 0
    # (one article in the store: the abstention model's scores are not what it was fitted
    # on, so it is switched off; this checks where the answer comes from)
    asked = runner.invoke(
        main,
        ["ask", "By what margin did the council approve the money?", "--store", first],
        env={"ARTICLE_QA_ABSTAIN_THRESHOLD": "inf"},
    )
    assert asked.exit_code == 0, asked.output
    assert "7-4" in asked.output


def test_bad_urls_and_unreachable_servers_get_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(StoreError, match="store name"):
        open_store("http://127.0.0.1:8000/a")
    down = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreError, match=r"cannot reach the Chroma server at http://127\.0\.0\.1"):
        open_store(down).count()
    # the app against a server that is down: one line, before anything is served
    import ui.app

    served: list[str] = []
    monkeypatch.setattr(ui.app, "launch", lambda *args, **kwargs: served.append("launched"))
    result = CliRunner().invoke(main, ["serve", "--store", down, "--port", str(free_port())])
    assert result.exit_code == 1 and not served
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(f"Error: cannot reach the Chroma server at {down}")
    )
    assert "Traceback" not in result.output


def test_a_server_lost_mid_ingest_gives_one_line_and_the_rerun_finishes(
    server: ChromaServer,
    tmp_path: Path,
    tiny_model_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"{server.url}/lost"
    common = ["--store", url, "--embed-model", str(tiny_model_dir), "--batch", "8", "-q"]
    writes: list[int] = []
    write = Ingestor._write

    def write_then_lose_the_server(self: Ingestor, *args: Any) -> None:
        write(self, *args)
        writes.append(1)
        if len(writes) == 2:  # two batches saved, then the server goes
            server.stop()

    monkeypatch.setattr(Ingestor, "_write", write_then_lose_the_server)
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(SAMPLES), *common])
    assert result.exit_code == 1, result.output
    [line] = result.stderr.strip().splitlines()
    assert re.fullmatch(
        rf"Error: lost the Chroma server at {re.escape(url)} after \d+ of \d+ articles; "
        "run the same command again to finish",
        line,
    ), line
    assert "Traceback" not in result.output

    # Down: ask and list say so in one line too.
    for args in (["ask", "When did the rail strike end?"], ["list"]):
        down = runner.invoke(main, [*args, "--store", url])
        assert down.exit_code == 1 and "cannot reach the Chroma server" in down.stderr
        assert "Traceback" not in down.output
    assistant = Assistant(Settings.load(store=url))  # made while the server is down
    with pytest.raises(StoreError, match="Chroma server"):
        assistant.ask("When did the rail strike end?")

    # Back: the same command finishes, and the store holds what a clean ingest makes.
    server.start()
    monkeypatch.setattr(Ingestor, "_write", write)
    again = runner.invoke(main, ["ingest", str(SAMPLES), *common])
    assert again.exit_code == 0, again.output
    clean = open_store(tmp_path / "clean")
    Ingestor(clean, Embedder(str(tiny_model_dir))).ingest_paths([SAMPLES], progress=False)
    store = open_store(url)
    assert store.count() == clean.count() and store.count_chunks() == clean.count_chunks()
    assert {r.article.id for r in store.iter_articles()} == {
        r.article.id for r in clean.iter_articles()
    }
    assert not store.unfinished_ids()


def test_a_store_object_that_loses_its_server_says_so_in_one_line(
    server: ChromaServer, tiny_model_dir: Path
) -> None:
    store = open_store(f"{server.url}/gone")
    Ingestor(store, Embedder(str(tiny_model_dir))).ingest_paths(
        [SAMPLES / "desal-plant-vote.txt"], progress=False
    )
    assert store.count() == 1
    server.stop()
    for call in (store.count, store.sources, lambda: list(store.iter_articles())):
        with pytest.raises(StoreLost, match=r"lost the Chroma server at http://127\.0\.0\.1"):
            call()
