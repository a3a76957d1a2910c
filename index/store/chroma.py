"""The chunk collection in Chroma, shared by the local and the server backend: writing
chunks with their vectors (through LlamaIndex's ``ChromaVectorStore``, so a store stays
readable by LlamaIndex), dense search, chunks by id, and the lexical index over them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from index.store.base import StoreBase
from index.store.hits import Filters, Hit, SentenceVectors, chunk_meta, hit_from_meta

if TYPE_CHECKING:
    import numpy as np

    from index.articles import Article
    from index.chunking import Chunk

# Measured (benchmarks/scale.py, docs/benchmarks.md): the dense retriever asks for 100
# neighbours, and hnswlib searches max(ef_search, k) candidates, so Chroma's default of 100
# found 96% of the exact top 100 on 18k real chunks; 200 finds 98.9-99.0% for +0.3 ms.
HNSW_EF_SEARCH = 200
_PAGE = 5000


def open_chunks(client: Any, name: str) -> Any:
    """The chunk collection (cosine space), created with ``HNSW_EF_SEARCH``; an older store
    with a lower setting is raised to it (Chroma applies that when it next loads the index)."""
    collection = client.get_or_create_collection(
        name,
        embedding_function=None,
        configuration={"hnsw": {"space": "cosine", "ef_search": HNSW_EF_SEARCH}},
    )
    hnsw = (collection.configuration or {}).get("hnsw") or {}
    if int(hnsw.get("ef_search") or HNSW_EF_SEARCH) < HNSW_EF_SEARCH:
        collection.modify(configuration={"hnsw": {"ef_search": HNSW_EF_SEARCH}})
    return collection


def _rows(page: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    documents = page.get("documents") or [""] * len(page["ids"])
    yield from zip(page["ids"], documents, page["metadatas"], strict=True)


class ChromaChunks(StoreBase):
    """The chunk half of a store kept in a Chroma collection (``self.collection``)."""

    @property
    def collection(self) -> Any:
        raise NotImplementedError

    def vector_store(self) -> Any:
        """The chunk collection as a LlamaIndex ``ChromaVectorStore``."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    # -- writing --------------------------------------------------------------------------

    def replace_chunks(
        self,
        articles: Sequence[Article],
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        keep_others: bool = False,
        sentences: Sequence[SentenceVectors | None] | None = None,
    ) -> None:
        """Delete the articles' old chunks and add the new ones (with vectors, and the
        sentence vectors kept beside them: ``put_sentences``). ``keep_others``: add only
        (the further parts of the articles' chunks, after a first call that deleted the old
        ones)."""
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        by_id = {a.id: a for a in articles}
        collection = self.collection
        ids = list(by_id)
        for i in range(0, 0 if keep_others else len(ids), 100):
            collection.delete(where={"document_id": {"$in": ids[i : i + 100]}})
        if not keep_others:
            self._drop_sentences(ids)
        nodes = []
        for chunk, vector in zip(chunks, vectors, strict=True):
            a = by_id[chunk.article_id]
            nodes.append(
                TextNode(
                    id_=chunk.id,
                    text=chunk.text,
                    embedding=[float(x) for x in vector],
                    start_char_idx=chunk.start,
                    end_char_idx=chunk.end,
                    metadata=chunk_meta(
                        a.id,
                        a.title,
                        a.source,
                        a.url,
                        a.published_at,
                        chunk.index,
                        chunk.start,
                        chunk.end,
                    ),
                    relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=a.id)},
                )
            )
        if nodes:
            batch = max(1, int(collection._client.get_max_batch_size()))
            vector_store = self.vector_store()
            for i in range(0, len(nodes), batch):
                vector_store.add(nodes[i : i + batch])
        kept = [(c, v) for c, v in zip(chunks, sentences or [None] * len(chunks), strict=True) if v]
        if kept:
            self.put_sentences([(c.id, c.article_id, v) for c, v in kept])

    def _delete_chunks(self, article_id: str) -> None:
        self.collection.delete(where={"document_id": article_id})
        self._drop_sentences([article_id])

    def put_sentences(self, rows: Sequence[tuple[str, str, SentenceVectors]]) -> None:
        """Keep ``(chunk id, article id, sentence vectors)`` rows (``replace_chunks`` does;
        public for tools that copy chunks straight into the collection)."""
        raise NotImplementedError

    def _drop_sentences(self, article_ids: Sequence[str]) -> None:
        raise NotImplementedError

    # -- reading --------------------------------------------------------------------------

    def count_chunks(self) -> int:
        return int(self.collection.count())

    def chunk_ids(self) -> set[str]:
        collection = self.collection
        ids: set[str] = set()
        for offset in range(0, collection.count(), _PAGE):
            ids.update(collection.get(limit=_PAGE, offset=offset, include=[])["ids"])
        return ids

    def iter_chunks(self, ids: Sequence[str] | None = None) -> Iterator[Hit]:
        collection = self.collection
        include = ["documents", "metadatas"]
        if ids is None:
            for offset in range(0, collection.count(), _PAGE):
                page = collection.get(limit=_PAGE, offset=offset, include=include)
                yield from (hit_from_meta(c, d or "", m, 0.0) for c, d, m in _rows(page))
            return
        for i in range(0, len(ids), 500):
            page = collection.get(ids=list(ids[i : i + 500]), include=include)
            yield from (hit_from_meta(c, d or "", m, 0.0) for c, d, m in _rows(page))

    def dense(self, vector: Sequence[float], k: int, filters: Filters | None = None) -> list[Hit]:
        where = filters.where() if filters is not None else None
        got = self.collection.query(
            query_embeddings=[[float(x) for x in vector]],
            n_results=k,
            include=["documents", "metadatas", "distances"],
            **({"where": where} if where else {}),
        )
        unfinished = self.unfinished_ids()
        hits = zip(
            got["ids"][0],
            got["documents"][0],
            got["metadatas"][0],
            got["distances"][0],
            strict=True,
        )
        return [
            hit_from_meta(chunk_id, doc or "", meta, 1.0 - float(distance))  # cosine distance
            for chunk_id, doc, meta, distance in hits
            if meta["article_id"] not in unfinished
        ]
