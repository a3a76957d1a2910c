"""benchmarks/embed_backends.py --quantized: the int8 trials run any BERT model given."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.embed_backends import quantized


def test_quantized_runners_give_unit_vectors_and_fp32_matches_the_model(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(tiny_model_dir), device="cpu")
    texts = ["the council voted on Tuesday", "crews fought the fire", "rail workers struck"]
    runs = quantized(model, texts * 4, tmp_path, batch_size=2)
    assert set(runs) == {
        "onnxruntime fp32",
        "onnxruntime int8, dynamic",
        "onnxruntime int8, static",
        "openvino int8, static",
    }
    want = model.encode(texts, normalize_embeddings=True)
    for name, run in runs.items():
        got = run(texts)
        assert got.shape == want.shape, name
        assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4), name
    same = (runs["onnxruntime fp32"](texts) * want).sum(axis=1)
    assert same.min() > 0.9999
    assert (tmp_path / "static-int8.onnx").exists() and (tmp_path / "dynamic-int8.onnx").exists()
