"""The assistant: question in, cited answer out. Wires retrieval to the answerer."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import logging
import math
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from index.embed import Embedder
from index.store import Store, open_store
from qa.answer import ExtractiveAnswerer
from qa.config import Settings
from qa.conversation import Turn, condense, condense_messages, plausible_rewrite
from qa.dates import TimeWindow, resolve_time, search_text
from qa.errors import QuestionError
from qa.generate import (
    Generated,
    GenerationError,
    GenerativeAnswerer,
    make_llm,
    stream_tokens,
)
from qa.phrases import find_phrase
from qa.rerank import make_reranker
from qa.retrieve import Filters, HybridRetriever, HybridWeights, Passage
from qa.timeline import asks_for_timeline, timeline_answer
from qa.types import NOT_FOUND, Answer
from qa.verify import CitationChecker

logger = logging.getLogger(__name__)

HistoryItem = Turn | tuple[str, str] | Mapping[str, str]


def _turn(item: HistoryItem) -> Turn:
    if isinstance(item, Turn):
        return item
    if isinstance(item, Mapping):
        return Turn(
            str(item.get("question", "")),
            str(item.get("answer", "")),
            str(item.get("searched", "")),
        )
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return Turn(str(item[0]), str(item[1] or ""))
    raise QuestionError(
        f"A history item must be a Turn, a (question, answer) pair or a mapping, not {item!r:.80}"
    )


def stale_notice(s: Settings, passages: Sequence[Passage], reference: dt.date | None) -> str:
    """Why the articles cannot tell, or "": asked as of ``reference``, the best passages are
    all older than ``recent_days`` before it and the best of them matches weakly (its fused
    score is below ``stale_score``). News questions are about their week: then the articles
    on the same story are about another week's news."""
    if reference is None or not passages or s.stale_score <= 0:
        return ""
    if s.fusion != "weighted" or s.reranker != "none":  # other score scales
        return ""
    if passages[0].score >= s.stale_score:
        return ""
    dates = [p.published for p in passages[: s.k]]
    known = [d for d in dates if d is not None]
    if not known or len(known) < len(dates):
        return ""
    newest = max(known)
    if (reference - newest).days <= s.recent_days:
        return ""
    return (
        f"The closest articles are from {newest.isoformat()} or earlier, more than "
        f"{s.recent_days} days before {reference.isoformat()}, and match the question "
        "weakly: the articles do not seem to cover it."
    )


class Assistant:
    """Answers questions about the articles in one store.

    >>> assistant = Assistant(store="~/my-store", k=5)   # loads nothing yet
    >>> answer = assistant.ask("Who won the runoff?")    # doctest: +SKIP
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        **overrides: Any,
    ) -> None:
        base = settings if settings is not None else Settings.load()
        self.settings = base.replace(**overrides) if overrides else base
        self.store = open_store(self.settings.store)
        self.embedder = embedder if embedder is not None else Embedder(self.settings.embed_model)
        s = self.settings
        self.retriever = HybridRetriever(
            self.store,
            self.embedder,
            s.candidates,
            weights=HybridWeights(
                fusion=s.fusion,
                dense=s.dense_weight,
                depth=s.depth,
                recency=s.recency_boost,
                recent_days=s.recent_days,
            ),
            mode=s.retrieval,
        )
        self.reranker = make_reranker(s.reranker, self.embedder)
        self.answerer = make_answerer(self.settings, self.embedder, self.store)
        llm = make_llm(s)  # constructing a client connects to nothing
        self.generator = (
            GenerativeAnswerer(llm, CitationChecker(self.embedder)) if llm is not None else None
        )

    # Settings that only change how an answer is written or how many passages are read:
    # an assistant derived with changes to these alone shares the store and the retriever.
    QUERY_TIME = frozenset(
        {
            "k",
            "candidates",
            "max_sentences",
            "min_score",
            "abstain_threshold",
            "max_question_chars",
            "reranker",
            "answer_mode",
            "llm_base_url",
            "llm_model_path",
            "llm_model",
            "llm_api_key_env",
            "llm_timeout",
            "llm_max_tokens",
            "condense",
            "stale_score",
        }
    )

    def derive(self, **changes: Any) -> Assistant:
        """An assistant with some settings changed (one chat session's choices, a sweep's
        point). It shares this one's embedding model, and when only ``QUERY_TIME`` settings
        change, its store and retriever too, so deriving costs no second index in memory.
        """
        settings = self.settings.replace(**changes)
        if settings == self.settings:
            return self
        changed = {
            name for name in changes if getattr(settings, name) != getattr(self.settings, name)
        }
        if changed - self.QUERY_TIME:
            return Assistant(settings, embedder=self.embedder)
        other = copy.copy(self)
        other.settings = settings
        if settings.reranker != self.settings.reranker:
            other.reranker = make_reranker(settings.reranker, self.embedder)
        other.answerer = make_answerer(settings, self.embedder, self.store)
        llm = make_llm(settings)
        other.generator = (
            GenerativeAnswerer(llm, CitationChecker(self.embedder)) if llm is not None else None
        )
        return other

    def ask(
        self,
        question: str,
        *,
        k: int | None = None,
        sources: Sequence[str] | None = None,
        since: dt.date | str | None = None,
        until: dt.date | str | None = None,
        reference_date: dt.date | str | None = None,
        on_token: Callable[[str], None] | None = None,
        exclude: Collection[str] = (),
        timeline: bool | None = None,
    ) -> Answer:
        """Answer ``question`` from the store, citing the sentences used.

        ``k`` passages are returned with the answer; ``sources`` keeps only those outlets;
        ``since`` / ``until`` (dates or ``YYYY-MM-DD``) keep articles published in that range.
        ``reference_date`` is "now" for the question: articles from the two weeks before it
        rank higher (news questions are usually about the latest events). With a language
        model (``answer_mode``), ``on_token`` receives its reply as it is written, before
        the citation check. ``exclude`` (article ids) leaves those articles out, as if they
        were not in the store (the evaluation's evidence-removed check). ``timeline``: answer
        as a timeline (``Answer.timeline``: one quoted sentence per dated development,
        oldest first, always extractive); ``None`` decides by the question ("How did the
        rail strike unfold?", :func:`qa.timeline.asks_for_timeline`). A timeline reads every
        date alike: no article ranks higher for being recent.
        """
        text = self._check_question(question)
        shown = self.settings.k if k is None else k
        if shown < 1:
            raise QuestionError(f"k must be at least 1, got {shown}")
        as_timeline = asks_for_timeline(text) if timeline is None else timeline
        if as_timeline:
            reference_date = None
        started = time.perf_counter()
        passages, rerank_ms = self._retrieve(
            text,
            k=shown,
            sources=sources,
            since=since,
            until=until,
            reference_date=reference_date,
            exclude=exclude,
        )
        retrieved = time.perf_counter()
        stale = stale_notice(self.settings, passages, _as_date(reference_date))
        if stale:
            mode = "extractive" if self.generator is None else "generative"
            result = Answer(
                text, NOT_FOUND, (), tuple(passages[:shown]), True, mode=mode, notice=stale
            )
        elif self.generator is not None and not as_timeline:
            result = self._generate(text, passages, shown, on_token, _as_date(reference_date))
        else:
            found = (
                timeline_answer(self.answerer, text, passages)
                if as_timeline
                else self.answerer.run(text, passages, _as_date(reference_date))
            )
            result = Answer(
                text,
                found.text,
                found.citations,
                tuple(passages[:shown]),
                found.abstained,
                disagreement=found.disagreement,
                timeline=found.timeline,
            )
        done = time.perf_counter()
        return dataclasses.replace(
            result,
            timings={
                "retrieve_ms": (retrieved - started) * 1000 - rerank_ms,
                "rerank_ms": rerank_ms,
                "answer_ms": (done - retrieved) * 1000,
                "total_ms": (done - started) * 1000,
            },
        )

    def _generate(
        self,
        question: str,
        passages: Sequence[Passage],
        shown: int,
        on_token: Callable[[str], None] | None,
        reference: dt.date | None = None,
    ) -> Answer:
        """The language model's answer, checked; the extractive one when the model fails,
        keeps nothing the passages support, or says they do not tell while they do."""
        assert self.generator is not None
        top = tuple(passages[:shown])
        generated: Generated | None = None
        notice = ""
        try:
            # the model reads the k best passages (a long prompt makes small models worse)
            generated = self.generator.run(question, passages[: self.settings.k], on_token)
        except GenerationError as exc:
            logger.warning("%s; answering extractively", exc)
            notice = f"{exc}. This is the extractive answer instead."
        if generated is not None and not generated.abstained:
            text, citations = self.answerer.lead_generated(
                question,
                generated.text,
                [
                    dataclasses.replace(c, phrase=find_phrase(question, c.quote, c.passage))
                    for c in generated.citations
                ],
                passages,
            )
            return Answer(
                question,
                text,
                citations,
                top,
                False,
                mode="generative",
                checks=generated.checks,
                usage=generated.usage,
            )
        found = self.answerer.run(question, passages, reference)
        if found.abstained and generated is not None:  # both agree: the articles do not tell
            return Answer(
                question, NOT_FOUND, (), top, True, mode="generative", usage=generated.usage
            )
        return Answer(
            question,
            found.text,
            found.citations,
            top,
            found.abstained,
            mode="extractive-fallback",
            disagreement=found.disagreement,
            checks=generated.checks if generated else (),
            notice=notice,
            usage=generated.usage if generated else {},
        )

    def chat(
        self,
        message: str,
        history: Sequence[HistoryItem] = (),
        **options: Any,
    ) -> Answer:
        """Answer one chat message in the light of the conversation so far.

        ``history`` holds the earlier turns, oldest first, each a :class:`Turn`, a
        ``(question, answer)`` pair or a mapping with ``question`` and ``answer``. A follow-up
        ("What about Iran?", "When was she sworn in?") is rewritten into a stand-alone
        question first (:func:`qa.conversation.condense`); the answer's ``searched`` says what
        was searched. ``options`` are those of :meth:`ask`.
        """
        text = self._check_question(message)
        searched = self._condense(text, [_turn(item) for item in history])
        searched = searched[: self.settings.max_question_chars]
        result = self.ask(searched, **options)
        return dataclasses.replace(result, question=text, searched=searched)

    def _condense(self, message: str, turns: Sequence[Turn]) -> str:
        """``message`` made stand-alone: by the language model when one is configured (and
        ``condense`` is "model"), else, or when it fails or writes no usable question, by
        the rules of :func:`qa.conversation.condense`."""
        ruled = condense(message, turns)
        if self.generator is None or not turns or self.settings.condense != "model":
            return ruled
        try:
            reply = "".join(stream_tokens(self.generator.llm, condense_messages(message, turns)))
        except GenerationError as exc:
            logger.warning("%s; the follow-up was rewritten by rules", exc)
            return ruled
        return plausible_rewrite(reply, message, turns) or ruled

    def retrieve(
        self,
        question: str,
        *,
        k: int | None = None,
        sources: Sequence[str] | None = None,
        since: dt.date | str | None = None,
        until: dt.date | str | None = None,
        reference_date: dt.date | str | None = None,
        exclude: Collection[str] = (),
    ) -> list[Passage]:
        """The passages ``ask`` reads (at least ``candidates`` of them), best first, without
        answering: the filters checked, time phrases read, fused and reranked."""
        return self._retrieve(
            question,
            k=k,
            sources=sources,
            since=since,
            until=until,
            reference_date=reference_date,
            exclude=exclude,
        )[0]

    def _retrieve(
        self,
        question: str,
        *,
        k: int | None,
        sources: Sequence[str] | None,
        since: dt.date | str | None,
        until: dt.date | str | None,
        reference_date: dt.date | str | None,
        exclude: Collection[str] = (),
    ) -> tuple[list[Passage], float]:
        """``retrieve``'s passages, and the milliseconds the reranking took."""
        filters = Filters(
            sources=self._known_sources(sources or ()),
            since=_as_date(since),
            until=_as_date(until),
            exclude=frozenset(exclude),
        )
        if filters.since and filters.until and filters.since > filters.until:
            raise QuestionError(
                f"The date range is empty: since {filters.since} is after until {filters.until}."
            )
        self.retriever.check_ready()
        problem = unreadable(question)  # (a chat follow-up is checked once made stand-alone)
        if problem:
            raise QuestionError(problem)
        now = _as_date(reference_date)
        depth = max(self.settings.candidates, self.settings.k if k is None else k)
        window = resolve_time(question, now)
        search = search_text(question, window)
        self.embedder.remember([search, question])  # one batch: retrieval and answer stage
        passages = self.retriever.run(
            search,
            top_k=depth,
            filters=filters,
            reference_date=now,
            boost=self._boost(window, now),
        )
        started = time.perf_counter()
        reranked = self.reranker.run(question, passages)
        return reranked, (time.perf_counter() - started) * 1000

    def _boost(
        self, window: TimeWindow | None, reference: dt.date | None
    ) -> tuple[dt.date, dt.date] | None:
        """The dates whose articles get the recency boost: the question's own time phrase
        (``window``, read against ``reference`` or today), else the ``recent_days`` before
        ``reference`` when one is given, else none."""
        day = dt.timedelta(days=1)
        if window is not None:
            pad = 0 if window.strict else 3  # reports of an event follow it by a few days
            return window.since - pad * day, window.until + 3 * day
        if reference is not None:
            return reference - self.settings.recent_days * day, reference + 3 * day
        return None

    def _known_sources(self, sources: Sequence[str]) -> tuple[str, ...]:
        """The store's spelling of each outlet asked for (case does not matter); one outlet
        may be given as a plain string."""
        if isinstance(sources, str):
            sources = [sources]
        if not sources:
            return ()
        known = {s.casefold(): s for s in self.store.sources()}
        missing = [s for s in sources if s.casefold() not in known]
        if missing:
            listed = ", ".join(known.values()) or "none"
            raise QuestionError(
                f"No articles from {', '.join(map(repr, missing))} in this store. "
                f"Outlets: {listed}."
            )
        return tuple(known[s.casefold()] for s in sources)

    def _check_question(self, question: object) -> str:
        if not isinstance(question, str):
            raise QuestionError(f"A question must be text, got {type(question).__name__}.")
        text = " ".join(question.split())
        if not text:
            raise QuestionError("The question is empty: type what you want to know.")
        limit = self.settings.max_question_chars
        if len(text) > limit:
            raise QuestionError(
                f"The question is {len(text)} characters long; keep it under {limit}."
            )
        return text


# Words that ask without saying about what (a question of only these searches for nothing).
_EMPTY_WORDS = frozenset(
    """a about an and any anything are be been can could did do does for from had has have he
    her him his how i in is it its me my of on or she so some something tell that the their them
    there they this to us was we were what when where which who whom whose why will with would
    you your please know thing things happen happened happening going on latest news new""".split()
)


def unreadable(question: str) -> str:
    """Why ``question`` cannot be searched, or "": written mostly in a script other than the
    Latin one (the embedding model and the stemmer read English), or made only of words that
    say nothing about what is asked ("What is it?"). Answering such a question would quote
    sentences picked at random."""
    letters = [ch for ch in question if ch.isalpha()]
    if letters:
        other = Counter(
            unicodedata.name(ch, "UNKNOWN").split()[0]
            for ch in letters
            if not unicodedata.name(ch, "").startswith("LATIN")
        )
        if sum(other.values()) * 2 > len(letters):
            script = other.most_common(1)[0][0]
            script = script if script == "CJK" else script.title()
            return (
                f"This question is written in {script} script; article-qa reads questions in "
                "English (its models and the articles' index are English). Ask it in English."
            )
    words = re.findall(r"[^\W_]+", question.lower())
    if not [w for w in words if w not in _EMPTY_WORDS]:
        return (
            "This question has no words to search for: say who or what it is about "
            '(for example "Who won the runoff in Estravia?").'
        )
    return ""


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise QuestionError(f"Dates are written YYYY-MM-DD, got {value!r}.") from exc


def make_answerer(
    settings: Settings, embedder: Embedder, store: Store | None = None
) -> ExtractiveAnswerer:
    """The extractive answerer ``settings`` ask for. Its abstention models (dated and undated)
    read the weighted fusion's passage scores: with another fusion or a reranker (other
    score scales) they are never asked, and only ``min_score`` makes the answerer abstain."""
    calibrated = settings.fusion == "weighted" and settings.reranker == "none"
    return ExtractiveAnswerer(
        embedder,
        max_sentences=settings.max_sentences,
        min_score=settings.min_score,
        abstain_threshold=settings.abstain_threshold if calibrated else math.inf,
        sentence_vectors=store.sentence_vectors if store is not None else None,
    )


@functools.lru_cache(maxsize=1)
def default_assistant() -> Assistant:
    return Assistant()


@functools.lru_cache(maxsize=4)
def _assistant_for(store: str) -> Assistant:
    return Assistant(store=store)


def answer(question: str, *, store: str | Path | None = None, **kwargs: Any) -> Answer:
    """Answer ``question`` from ``store`` (a directory, a Chroma server URL or
    ``memory:NAME``), by default ``$ARTICLE_QA_STORE`` or the per-user one. The assistant
    for a store is kept for the next question.

    Keyword arguments are those of ``Assistant.ask`` (k, sources, since, until, ...).
    """
    if store is None:
        return default_assistant().ask(question, **kwargs)
    where = str(store)
    if "://" not in where and not where.startswith("memory:"):
        where = str(Path(where).expanduser().resolve())  # one assistant a directory
    return _assistant_for(where).ask(question, **kwargs)
