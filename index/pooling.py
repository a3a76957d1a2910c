"""One pass through the model for a chunk and the sentences in it.

The model reads a chunk and gives a vector per token; the chunk's vector is their mean (or
the first token's, for CLS models). The same token vectors averaged over one sentence's
tokens give that sentence's vector, its words read in their context, at no further cost.
Ingest keeps these sentence vectors so that answering a question embeds only the question
(see ``qa.answer``), instead of the ~40 shortlisted sentences (78% of a question's time).

``encode`` does the tokenising and pooling for any backend: the backend only turns token ids
into token vectors (``Hidden``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Hidden = Callable[[dict[str, np.ndarray]], np.ndarray]  # inputs -> (batch, tokens, dim)
Span = tuple[int, int]


def encode(
    tokenizer: Any,
    names: Sequence[str],
    max_length: int,
    pooling: str,
    hidden: Hidden,
    texts: Sequence[str],
    batch_size: int,
    spans: Sequence[Sequence[Span]] | None = None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Unit vectors of ``texts`` and, when ``spans`` are given (character spans into each
    text), one unit vector per span: the mean of the token vectors inside it. A span none of
    whose tokens the model read (cut off past ``max_length``) gets a zero row."""
    order = np.argsort([-len(t) for t in texts], kind="stable")  # less padding per batch
    rows: list[np.ndarray] = []
    pooled: list[np.ndarray] = [np.zeros((0, 0), dtype=np.float32)] * len(texts)
    for start in range(0, len(texts), batch_size):
        picked = order[start : start + batch_size]
        # (sentence-transformers strips texts before tokenising: so do we, keeping offsets)
        leading = [len(texts[i]) - len(texts[i].lstrip()) for i in picked]
        encoded = tokenizer(
            [texts[i].strip() for i in picked],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="np",
            return_offsets_mapping=spans is not None,
        )
        tokens = np.asarray(hidden({n: encoded[n].astype(np.int64) for n in names}), np.float32)
        mask = encoded["attention_mask"].astype(np.float32)
        if pooling == "cls":
            rows.append(tokens[:, 0])
        else:
            weights = mask[..., None]
            rows.append((tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None))
        if spans is None:
            continue
        offsets = encoded["offset_mapping"]
        for row, i in enumerate(picked):
            pooled[i] = span_vectors(tokens[row], offsets[row] + leading[row], mask[row], spans[i])
    out = np.concatenate(rows)[np.argsort(order)] if rows else np.zeros((0, 0), np.float32)
    return unit_rows(out.astype(np.float32)), pooled


def span_vectors(
    tokens: np.ndarray, offsets: np.ndarray, mask: np.ndarray, spans: Sequence[Span]
) -> np.ndarray:
    """Unit mean vector of the (real, non-special) tokens inside each span."""
    real = (mask > 0) & (offsets[:, 1] > offsets[:, 0])
    out = np.zeros((len(spans), tokens.shape[1]), dtype=np.float32)
    for k, (s, e) in enumerate(spans):
        inside = real & (offsets[:, 0] >= s) & (offsets[:, 1] <= e)
        if inside.any():
            out[k] = tokens[inside].mean(axis=0)
    return unit_rows(out)


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` with each non-zero row scaled to unit length, in place."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors /= np.where(norms == 0, 1, norms)
    return vectors
