"""The evaluation of generated answers: token counts, metrics by answer mode, and the
citation metrics on sentences a model wrote. The model is a real OpenAI-compatible HTTP
server run by the test (streaming, with usage), writing deterministically from the prompt."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from eval.run import run_eval


class Writer(BaseHTTPRequestHandler):
    """Answers with the first sentence of passage [1], cited, plus one sentence the passages
    do not support; for a question about rail, only an invented sentence (so the answer falls
    back to the extractive one)."""

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            prompt = body["messages"][-1]["content"]
            if "rail" in prompt.split("</passages>")[-1].lower():
                text = "The strike was settled by a lottery in 1850. [1]"
            else:
                first = re.search(r"\[1\] [^\n]*\n(.*?[.!?])(?:\s|$)", prompt, re.S)
                assert first is not None
                text = f"{first.group(1)} [1] It is also a hotel on the moon. [1]"
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in re.findall(r"\S+\s*", text):
                chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0}
                chunk |= {"model": "w", "choices": [{"index": 0, "delta": {"content": piece}}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            usage = {"prompt_tokens": 400, "completion_tokens": len(text.split())}
            final = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "w"}
            final |= {"choices": [], "usage": usage}
            self.wfile.write(f"data: {json.dumps(final)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")


@pytest.fixture
def writer() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Writer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.slow
def test_generated_answers_are_scored_by_mode(
    writer: str, sample_gold: Path, sample_store: Path, tmp_path: Path
) -> None:
    gold = tmp_path / "gold.jsonl"
    lines = sample_gold.read_text("utf-8").splitlines()
    # s01-s03 water; s05 and s07 rail (asked in November, s04 and s06 about January's strike
    # are abstained by the extractive answerer as well, so the answer would stay generative)
    picked = [
        line for line in lines if json.loads(line)["id"] in {"s01", "s02", "s03", "s05", "s07"}
    ]
    gold.write_text("\n".join(picked) + "\n", "utf-8")
    settings = {"answer_mode": "openai", "llm_base_url": writer, "llm_model": "w"}
    report = run_eval(
        gold,
        store=sample_store,
        settings=settings,
        resamples=100,
        undated=False,
        remove_evidence=False,
    )
    modes = {r.id: r.mode for r in report.results}
    assert modes["s05"] == "extractive-fallback" and modes["s07"] == "extractive-fallback"
    assert modes["s01"] == "generative"
    assert set(report.by_mode) == {"generative", "extractive-fallback"}
    assert report.metrics["answer_modes"] == {
        "extractive-fallback": 2,
        "generative": sum(m == "generative" for m in modes.values()),
    }
    s01 = next(r for r in report.results if r.id == "s01")
    assert s01.tokens_in == 400 and s01.tokens_out and s01.tokens_out > 3
    # the runtime check removed the invented sentence: what is left is supported and valid
    assert "moon" not in s01.answer
    assert (s01.citation_recall, s01.citation_precision, s01.citations_valid) == (1.0, 1.0, True)
    assert report.metrics["tokens_in_mean"] == 400.0
    assert report.metrics["tokens_in_total"] == 400 * len(report.results)
    assert report.by_mode["generative"]["tokens_in_mean"] == 400.0
    table = report.table()
    assert "by answer mode:" in table and "tokens_in_mean" in table
    assert report.config["answer_mode"] == "openai"
