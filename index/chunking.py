"""Sentence-aware, token-bounded chunks that know their place in the article.

A chunk is a run of whole sentences of the cleaned body, ``body[start:end]``, at most
``chunk_tokens`` tokens of the embedding model, with about ``overlap_tokens`` of trailing
sentences repeated at the start of the next chunk. What gets embedded is a short context
header (title, source, date) followed by the chunk text; the header and the text together
stay within the model's input limit, so no text is silently cut off. Quotes come from the
text alone, never from the header.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.articles import Article
from index.sentences import sentence_spans

TokenCounter = Callable[[Sequence[str]], list[int]]


@dataclass(frozen=True)
class ChunkingConfig:
    chunk_tokens: int = 200
    overlap_tokens: int = 40
    model_max_tokens: int = 256  # the embedding model's input limit, special tokens included

    def signature(self) -> str:
        return f"sent-v1:{self.chunk_tokens}:{self.overlap_tokens}:{self.model_max_tokens}"


@dataclass(frozen=True)
class Chunk:
    id: str
    article_id: str
    index: int
    start: int  # character offsets into the article's cleaned body
    end: int
    text: str
    context: str  # header embedded with the text: title, source, date
    tokens: int = 0  # embedding-model tokens of embed_text (header included)

    @property
    def embed_text(self) -> str:
        return f"{self.context}\n{self.text}" if self.context else self.text


def chunk_id(article_id: str, start: int, end: int, text: str = "") -> str:
    """Stable for unchanged text; an edit anywhere in the chunk or its context header gives it
    a new id (the BM25 index relies on that to apply changes in place)."""
    key = f"{article_id}\x00{start}\x00{end}\x00{text}"
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"c{digest[:24]}"


def context_header(article: Article) -> str:
    parts = [article.title.strip()]
    details = " · ".join(p for p in (article.source.strip(), article.published_at or "") if p)
    if details:
        parts.append(details)
    return "\n".join(p for p in parts if p)


def approximate_token_counts(texts: Sequence[str]) -> list[int]:
    """A tokenizer-free estimate (words and punctuation, long words counted twice)."""
    counts = []
    for text in texts:
        pieces = re.findall(r"\w+|[^\w\s]", text)
        counts.append(sum(1 + len(p) // 8 for p in pieces))
    return counts


def _split_long(
    text: str, start: int, end: int, budget: int, count: TokenCounter
) -> list[tuple[int, int]]:
    """Cut one over-long sentence at word boundaries into pieces within ``budget``."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[start:end])]
    sizes = count([text[start + s : start + e] for s, e in words])
    pieces: list[tuple[int, int]] = []
    piece_start: int | None = None
    total = prev_end = 0
    for (s, e), size in zip(words, sizes, strict=True):
        if piece_start is not None and total + size > budget:
            pieces.append((start + piece_start, start + prev_end))
            piece_start, total = None, 0
        if piece_start is None:
            piece_start = s
        total += size
        prev_end = e
    if piece_start is not None:
        pieces.append((start + piece_start, start + prev_end))
    return pieces


def chunk_article(
    article: Article, config: ChunkingConfig, count: TokenCounter = approximate_token_counts
) -> list[Chunk]:
    """Split an article's body into chunks of whole sentences (see module doc)."""
    body = article.body
    header = context_header(article)
    header_tokens = count([header])[0] + 1 if header else 0
    budget = max(16, min(config.chunk_tokens, config.model_max_tokens - 2 - header_tokens))
    spans = sentence_spans(body)
    sizes = count([body[s:e] for s, e in spans]) if spans else []
    units: list[tuple[int, int, int]] = []
    for (s, e), size in zip(spans, sizes, strict=True):
        if size <= budget:
            units.append((s, e, size))
        else:
            pieces = _split_long(body, s, e, budget, count)
            for (ps, pe), psize in zip(pieces, count([body[a:b] for a, b in pieces]), strict=True):
                units.append((ps, pe, psize))

    chunks: list[Chunk] = []
    first = 0
    while first < len(units):
        last, total = first, units[first][2]
        while last + 1 < len(units) and total + units[last + 1][2] <= budget:
            last += 1
            total += units[last][2]
        start, end = units[first][0], units[last][1]
        chunks.append(
            Chunk(
                id=chunk_id(article.id, start, end, f"{header}\n{body[start:end]}"),
                article_id=article.id,
                index=len(chunks),
                start=start,
                end=end,
                text=body[start:end],
                context=header,
                tokens=total + header_tokens,
            )
        )
        if last + 1 >= len(units):
            break
        # Step back over trailing sentences worth at most overlap_tokens, but always advance.
        nxt, carried = last + 1, 0
        while nxt - 1 > first and carried + units[nxt - 1][2] <= config.overlap_tokens:
            nxt -= 1
            carried += units[nxt][2]
        first = nxt
    return chunks
