from __future__ import annotations

import itertools

from index.articles import Article
from index.chunking import ChunkingConfig, chunk_article, context_header
from index.embed import Embedder


def _article(body: str) -> Article:
    return Article(
        id="a1",
        title="Council votes",
        body=body,
        source="Harbor Ledger",
        published_at="2025-10-15",
    )


def test_chunks_cover_the_body_with_offsets_and_overlap() -> None:
    sentences = [
        f"Sentence number {i} tells part {i} of the story about the plant." for i in range(60)
    ]
    article = _article(" ".join(sentences))
    embedder = Embedder()
    config = ChunkingConfig(chunk_tokens=120, overlap_tokens=30, model_max_tokens=256)
    chunks = chunk_article(article, config, embedder.count_tokens)
    assert len(chunks) > 3
    for i, chunk in enumerate(chunks):
        assert chunk.index == i
        assert article.body[chunk.start : chunk.end] == chunk.text
        assert chunk.text.endswith(".")  # whole sentences
        assert embedder.count_tokens([chunk.text])[0] <= 120
        # header + text + [CLS]/[SEP] fits the model: nothing is cut off when embedding
        assert embedder.count_tokens([chunk.embed_text])[0] + 2 <= 256
    assert chunks[0].start == 0 and chunks[-1].end == len(article.body)
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.start < prev.end  # overlap
        assert nxt.start > prev.start  # progress
    assert len({c.id for c in chunks}) == len(chunks)


def test_header_is_context_not_text() -> None:
    article = _article("The council voted 7-4. The plant will cost $412 million.")
    (chunk,) = chunk_article(article, ChunkingConfig())
    assert context_header(article) == "Council votes\nHarbor Ledger · 2025-10-15"
    assert chunk.text == article.body
    assert chunk.embed_text.startswith("Council votes\n")


def test_a_sentence_longer_than_a_chunk_is_cut_at_words() -> None:
    long_sentence = " ".join(["word"] * 900)
    article = _article(long_sentence + ". Short end.")
    chunks = chunk_article(article, ChunkingConfig(chunk_tokens=100, overlap_tokens=0))
    assert len(chunks) >= 9
    assert all(article.body[c.start : c.end] == c.text for c in chunks)
    assert chunks[-1].text.endswith("Short end.")


def test_same_article_same_chunk_ids() -> None:
    article = _article("One. Two. Three.")
    a = chunk_article(article, ChunkingConfig())
    b = chunk_article(article, ChunkingConfig())
    assert [c.id for c in a] == [c.id for c in b]
