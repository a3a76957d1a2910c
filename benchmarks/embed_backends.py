"""Embedding backends side by side on the same real chunks, interleaved in one run.

Usage: python -m benchmarks.embed_backends [--chunks 512] [--call 64] [--quantized]
       [--doc docs/benchmarks.md]

Chunks the first articles of rtqa small as ingest does, then embeds them ``--call`` chunks a
call with plain torch fp32, torch bf16 autocast (where the CPU has bfloat16 natively) and
OpenVINO, one call of each in turn so that a busy moment hits every backend alike. Reports
chunks/s, tokens/s, the ratio to torch fp32, the cosine of each vector to the fp32 one, and
how many of the fp32 top 10 chunks each backend's vectors find for the rtqa small questions
(questions and chunks embedded by that backend). The CPU's flags come first: machines
differ, so compare ratios within one run.

``--quantized`` adds what int8 gives, tried and not shipped: the exported ONNX model on ONNX
Runtime in fp32, quantized dynamically (MatMul weights per channel) and statically (QDQ,
calibrated on the next ``--chunks`` real chunks, MinMax), the static one on OpenVINO too.
The quantized files go to a temporary folder.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import append_section, machine
from benchmarks.embed_batch import chunk_texts
from benchmarks.paths import REPO, RTQA
from index import embed_backends, pooling
from index.embed import Embedder, resolve_precision

log = logging.getLogger("embed_backends")
FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16")


def cpu_flags() -> str:
    """The flags that matter for these backends, as the docs show them."""
    have = embed_backends.cpu_flags()
    return ", ".join(f for f in FLAGS if f in have) or "none of " + ", ".join(FLAGS)


def quantized(
    model: Any, calibration: Sequence[str], folder: Path, batch_size: int
) -> dict[str, Callable[[list[str]], np.ndarray]]:
    """Runners of the model exported to ONNX, in fp32 and quantized to int8 (see the module
    doc), each pooling as the model does."""
    import onnxruntime
    import openvino
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    tokenizer = model.tokenizer
    names = embed_backends.input_names(tokenizer)
    mode = embed_backends.pooling_mode(model) or "mean"
    limit = int(model.max_seq_length or 512)
    fp32 = embed_backends.export_onnx(model, folder / "model.onnx")
    ready = folder / "model-pre.onnx"
    quant_pre_process(str(fp32), str(ready), skip_symbolic_shape=True)
    dynamic, static = folder / "dynamic-int8.onnx", folder / "static-int8.onnx"
    quantize_dynamic(
        str(ready),
        str(dynamic),
        per_channel=True,
        op_types_to_quantize=["MatMul"],
        weight_type=QuantType.QInt8,
    )

    class Batches(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter(
                {
                    n: v.astype(np.int64)
                    for n, v in tokenizer(
                        list(calibration[i : i + 16]),
                        padding=True,
                        truncation=True,
                        max_length=limit,
                        return_tensors="np",
                    ).items()
                    if n in names
                }
                for i in range(0, len(calibration), 16)
            )

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.batches, None)

    quantize_static(
        str(ready),
        str(static),
        Batches(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Gemm"],
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax,
    )

    def runner(infer: Callable[[dict[str, np.ndarray]], np.ndarray]) -> Callable[..., np.ndarray]:
        return lambda texts: pooling.encode(
            tokenizer, names, limit, mode, infer, texts, batch_size, None
        )[0]

    def on_onnxruntime(path: Path) -> Callable[..., np.ndarray]:
        options = onnxruntime.SessionOptions()
        session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        return runner(
            lambda inputs: session.run(None, {k: v.astype(np.int64) for k, v in inputs.items()})[0]
        )

    core = openvino.Core()
    compiled = core.compile_model(core.read_model(str(static)), "CPU")
    return {
        "onnxruntime fp32": on_onnxruntime(fp32),
        "onnxruntime int8, dynamic": on_onnxruntime(dynamic),
        "onnxruntime int8, static": on_onnxruntime(static),
        "openvino int8, static": runner(
            lambda inputs: np.asarray(compiled(inputs)[0], dtype=np.float32)
        ),
    }


def measure(
    runs: dict[str, Callable[[list[str]], np.ndarray]],
    labels: dict[str, str],
    texts: list[str],
    tokens: int,
    questions: list[str],
    call: int,
) -> list[str]:
    """Each runner in turn on the same ``call`` texts, as table rows: chunks/s, tokens/s,
    the ratio to torch fp32, the cosine to its vectors and the top-10 overlap."""
    for run in runs.values():
        run(texts[:16])  # warm-up (and OpenVINO's one-off export and compile)
    seconds = dict.fromkeys(runs, 0.0)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in runs}
    for start in range(0, len(texts), call):
        for name, run in runs.items():
            began = time.perf_counter()
            parts[name].append(run(texts[start : start + call]))
            seconds[name] += time.perf_counter() - began
    vectors = {name: np.concatenate(p) for name, p in parts.items()}
    asked = {name: runs[name](questions) for name in runs}
    base = "torch fp32"

    def top10(name: str) -> np.ndarray:
        return np.argsort(-(asked[name] @ vectors[name].T), axis=1)[:, :10]

    reference = top10(base)
    rows = []
    for name in runs:
        cosine = (vectors[name] * vectors[base]).sum(axis=1)
        found = top10(name)
        overlap = np.mean(
            [len(set(a) & set(b)) / 10 for a, b in zip(found, reference, strict=True)]
        )
        rows.append(
            f"| {name} ({labels[name]}) | {len(texts) / seconds[name]:.1f} "
            f"| {tokens / seconds[name]:.0f} | {seconds[base] / seconds[name]:.2f} "
            f"| {cosine.mean():.5f} / {cosine.min():.5f} | {overlap:.3f} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=512)
    parser.add_argument("--call", type=int, default=64)
    parser.add_argument(
        "--quantized",
        action="store_true",
        help="also ONNX Runtime fp32 and int8 (dynamic, static) and OpenVINO int8 (static)",
    )
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    fp32 = Embedder(precision="fp32", backend="torch")
    both = chunk_texts(2 * args.chunks if args.quantized else args.chunks, fp32)
    texts = both[: args.chunks]
    tokens = sum(fp32.count_tokens(texts))
    questions = [
        json.loads(line)["question"]
        for line in (RTQA / "small" / "dev.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    backends: dict[str, Embedder] = {"torch fp32": fp32}
    if resolve_precision("auto") == "bf16":
        backends["torch bf16"] = Embedder(precision="bf16", backend="torch")
    backends["openvino"] = Embedder(backend="openvino")
    runs: dict[str, Callable[[list[str]], np.ndarray]] = {
        name: e.embed for name, e in backends.items()
    }
    labels = {name: e.label for name, e in backends.items()}
    with contextlib.ExitStack() as stack:
        if args.quantized:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="embed-int8-")))
            # the same batch size as the Embedder, so only the arithmetic differs
            extra = quantized(fp32.model, both[args.chunks :], folder, fp32.batch_size)
            runs.update(extra)
            labels.update({name: "int8" if "int8" in name else "fp32" for name in extra})
        rows = measure(runs, labels, texts, tokens, questions, args.call)
    append_section(
        args.doc,
        [
            "",
            f"### Embedding backends, interleaved ({dt.date.today().isoformat()})",
            "",
            f"- command: `python -m benchmarks.embed_backends --chunks {args.chunks} "
            f"--call {args.call}{' --quantized' if args.quantized else ''}`",
            f"- machine: {machine()}; CPU flags: {cpu_flags()}",
            f"- {len(texts)} real rtqa small chunks ({tokens:,} tokens), {args.call} a call; "
            f"top-10 overlap over the {len(questions)} rtqa small questions",
            "",
            "| backend | chunks/s | tokens/s | vs torch fp32 | cosine to fp32 (mean / min) "
            "| top-10 overlap |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
        ],
    )


if __name__ == "__main__":
    main()
