"""One browser session's choices, and the assistants they call for (no Gradio here).

A session's settings (answer mode, model server, k, reranking) become a per-session
:class:`~qa.assistant.Assistant` through ``Assistant.derive``; derived assistants are cached
by their settings, so sessions with the same choices share one. Only the answer modes the
app's settings can run are offered (:func:`answer_modes`); a mode that still cannot run when
asked gives the extractive answer with a notice saying why (:meth:`Assistants.answer`).

An API key typed into the app is the user's own: it is kept only in that session's
server-side state, goes into a client made for that one question, and is never cached,
logged or sent back to the page.
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import dataclasses
import importlib.util
import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from index.errors import ArticleQAError
from ui.render import escape_markdown

if TYPE_CHECKING:
    from qa.assistant import Assistant
    from qa.config import Settings
    from qa.types import Answer

logger = logging.getLogger(__name__)

# After an answer, the memory it freed goes back to the system this long after (glibc keeps
# freed heap otherwise: the app's memory grew 14% over 250 questions without, 4% with;
# python -m benchmarks.soak, docs/benchmarks.md).
TRIM_AFTER_S = 0.5
_trim_lock = threading.Lock()
_trim_timer: list[threading.Timer] = []


def give_back_memory_soon() -> None:
    """Return the heap that answering freed to the system (``malloc_trim``, glibc only),
    shortly after, once for answers that finish together, off the answering thread."""

    def trim() -> None:
        with _trim_lock:
            _trim_timer.clear()
        with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
            ctypes.CDLL("libc.so.6").malloc_trim(0)

    with _trim_lock:
        if _trim_timer:
            return
        timer = threading.Timer(TRIM_AFTER_S, trim)
        timer.daemon = True
        _trim_timer.append(timer)
    timer.start()


ANSWER_MODES = ("extractive", "local", "openai")
# What each mode does, for the Settings panel (openai's server is typed into the panel).
MODE_HELP = {
    "extractive": "quoted sentences, offline",
    "local": "the model configured on the server",
    "openai": "any OpenAI-compatible server (type its URL and model below)",
}
RERANKERS = ("none", "sentence")

# Shown as example cards in the empty chat when the store holds the sample collection
# (question, id of the sample article that answers it).
SAMPLE_EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "How much is the Gull Point desalination plant expected to cost in total?",
        "desal-plant-cost-overrun",
    ),
    ("Who won the presidential runoff in Estravia?", "election-runoff-result"),
    ("When did the rail strike end?", "rail-strike-settlement"),
)


@dataclass(frozen=True)
class Choices:
    """What a user picked in the Settings panel (the API key is kept apart: it is secret)."""

    answer_mode: str = "extractive"
    llm_base_url: str = ""
    llm_model: str = ""
    k: int = 5
    reranker: str = "none"

    @classmethod
    def of(cls, assistant: Assistant) -> Choices:
        """The choices an assistant was built with (the app's defaults)."""
        s = assistant.settings
        reranker = s.reranker if s.reranker in RERANKERS else "none"
        return cls(s.answer_mode, s.llm_base_url, s.llm_model, s.k, reranker)

    def changes(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Choices:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in names})


@dataclass(frozen=True)
class Modes:
    """The answer modes the app can run (offered in the Settings panel, in ``ANSWER_MODES``
    order), and for each it cannot, one line saying why and what enables it."""

    offered: tuple[str, ...]
    missing: tuple[tuple[str, str], ...] = ()  # (mode, reason)

    def info(self) -> str:
        """One line of plain text for the panel: what each offered mode does, then why the
        others are not offered."""
        line = "; ".join(f"{mode}: {MODE_HELP[mode]}" for mode in self.offered)
        if self.missing:
            line += ". Not offered: " + "; ".join(f"{m}: {why}" for m, why in self.missing)
        return line


def answer_modes(settings: Settings) -> Modes:
    """Which answer modes ``settings`` (the app's) can run. Extractive always can; openai can
    once a server URL and model are typed into the Settings panel, so it is always offered
    (an empty or unreachable server gives the extractive answer with a notice); local needs
    the model file or name in ``llm_model_path`` and llama.cpp (``xllamacpp``). Checking
    reads the first bytes of the model file and loads nothing."""
    reason = _local_missing(settings)
    missing = (("local", reason),) if reason else ()
    offered = tuple(m for m in ANSWER_MODES if m not in dict(missing))
    return Modes(offered, missing)


def _local_missing(settings: Settings) -> str:
    """Why the local mode cannot run with ``settings``, naming the fix; "" when it can."""
    from qa.errors import ConfigError
    from qa.local_llm import KNOWN_MODELS, model_file

    path = settings.llm_model_path.strip()
    if not path:
        names = ", ".join(sorted(KNOWN_MODELS))
        return (
            "no model configured; start the app with ARTICLE_QA_LLM_MODEL_PATH=/path/to/"
            f"model.gguf article-qa serve (or a model name: {names})"
        )
    try:
        model_file(path)
    except ConfigError as exc:
        return f"{str(exc).rstrip('.')} (ARTICLE_QA_LLM_MODEL_PATH={path})"
    if importlib.util.find_spec("xllamacpp") is None:
        return "llama.cpp is not installed: pip install 'article-qa[local]', then restart the app"
    return ""


class Assistants:
    """The app's assistant and those derived from it for sessions' choices (cached, bounded)."""

    def __init__(self, base: Assistant, size: int = 16) -> None:
        self.base = base
        self.default = Choices.of(base)
        self._size = size
        self._cache: OrderedDict[Choices, Assistant] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, choices: Choices, api_key: str = "") -> Assistant:
        """The assistant for ``choices``; with ``api_key``, a copy whose model client sends it.

        Raises ``ArticleQAError`` (e.g. ``ConfigError``) when the choices do not make a valid
        assistant (an OpenAI-compatible mode without a server URL or model name).
        """
        with self._lock:
            found = self._cache.get(choices)
            if found is not None:
                self._cache.move_to_end(choices)
        if found is None:
            changes = choices.changes()
            if choices.reranker == self.default.reranker:
                # keep the configured reranker (it may be a CrossEncoder path)
                changes["reranker"] = self.base.settings.reranker
            found = self.base.derive(**changes)
            with self._lock:
                self._cache[choices] = found
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        return with_api_key(found, api_key) if api_key else found

    def answer(self, choices: Choices, api_key: str, ask: Callable[[Assistant], Answer]) -> Answer:
        """``ask`` the assistant for ``choices`` (e.g. ``lambda a: a.chat(question)``).

        When its answer mode cannot run (an OpenAI-compatible server without a URL or model,
        a local model that is missing or does not load: a ``ConfigError`` while the assistant
        is made; a ``GenerationError`` from the model while answering), the extractive
        assistant with the same other choices is asked instead, and the answer says why in
        its ``notice`` (mode ``extractive-fallback``), as when a model server fails.
        """
        try:
            return self._answer(choices, api_key, ask)
        finally:
            give_back_memory_soon()

    def _answer(self, choices: Choices, api_key: str, ask: Callable[[Assistant], Answer]) -> Answer:
        from qa.errors import ConfigError
        from qa.generate import GenerationError

        mode = choices.answer_mode
        reason = ""
        if mode == "openai" and not (choices.llm_base_url and choices.llm_model):
            reason = "it needs a server URL and a model name: type them under Settings"
        else:
            try:
                chosen = self.get(choices, api_key)
            except ConfigError as exc:
                if mode == "extractive":
                    raise
                reason = str(exc)
            else:
                try:
                    return ask(chosen)
                except GenerationError as exc:
                    if chosen.generator is None:
                        raise
                    reason = str(exc)
        logger.warning("answer mode %s cannot run (%s); answering extractively", mode, reason)
        found = ask(self.get(dataclasses.replace(choices, answer_mode="extractive")))
        notice = (
            f"The {mode} answer mode could not run: {reason.rstrip('.')}. "
            "This is the extractive answer instead."
        )
        return dataclasses.replace(
            found,
            mode="extractive-fallback",
            notice=f"{notice} {found.notice}" if found.notice else notice,
        )


def with_api_key(assistant: Assistant, api_key: str) -> Assistant:
    """A shallow copy of ``assistant`` whose language model client sends ``api_key`` (the
    original is shared between sessions and keeps the server's own key, if any)."""
    generator = assistant.generator
    if generator is None:
        return assistant
    from qa.generate import GenerativeAnswerer

    llm = generator.llm
    fields = llm.model_dump() if hasattr(llm, "model_dump") else None
    if fields is None or "api_key" not in fields:
        return assistant
    keyed = type(llm)(**{**fields, "api_key": api_key})
    other = copy.copy(assistant)
    other.generator = GenerativeAnswerer(keyed, generator.checker)
    return other


def example_questions(assistant: Assistant, count: int = 3) -> list[str]:
    """Questions to offer on an empty chat: the sample questions when the store holds the
    sample collection, else questions about its newest articles' titles."""
    store = assistant.store
    try:
        if not store.exists():
            return []
        wanted = [article_id for _, article_id in SAMPLE_EXAMPLES]
        if len(store.get_many(wanted)) == len(wanted):
            return [question for question, _ in SAMPLE_EXAMPLES]
        questions: list[str] = []
        for record in store.iter_articles():
            title = " ".join(record.article.title.split()).rstrip(" .?!:;")
            if title and len(title) <= 150:
                questions.append(f"What happened: {title}?")
            if len(questions) >= count:
                break
        return questions
    except ArticleQAError as exc:
        logger.warning("no example questions: %s", exc)
        return []


class Stopped(Exception):
    """Raised into an answer's worker at its next token once the reader has pressed Stop."""


def stream_answer(
    answer: Callable[[Callable[[str], None]], Answer],
) -> Iterator[tuple[str, Any]]:
    """Run ``answer(on_token)`` in a worker thread and follow it: ``("partial", text so far)``
    whenever a language model has written more, then ``("answer", Answer)`` or
    ``("error", message)``. A Gradio generator can yield as it goes and stop early (Stop);
    closing this generator makes the worker's next ``on_token`` raise :class:`Stopped`, which
    ends the model's stream instead of letting it write on for nobody."""
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    stopped = threading.Event()

    def on_token(token: str) -> None:
        if stopped.is_set():
            raise Stopped
        events.put(("token", token))

    def work() -> None:
        try:
            events.put(("answer", answer(on_token)))
        except Stopped:
            logger.info("answer stopped by the reader")
        except ArticleQAError as exc:
            events.put(("error", str(exc)))
        except Exception as exc:  # shown as a message, never a dead spinner
            logger.exception("answering failed")
            events.put(("error", f"Something went wrong ({type(exc).__name__}); see the log."))

    threading.Thread(target=work, name="aqa-answer", daemon=True).start()
    try:
        yield from _follow(events)
    finally:
        stopped.set()


def _follow(events: queue.Queue[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
    written = ""
    while True:
        kind, value = events.get()
        if kind != "token":
            yield kind, value
            return
        written += value
        while not events.empty():  # take every token already there, then show them at once
            kind, value = events.get_nowait()
            if kind != "token":
                yield "partial", written
                yield kind, value
                return
            written += value
        yield "partial", written


def outlets_of(qa: Assistant) -> list[str]:
    """The store's outlets, for the filter ([] when it cannot be read)."""
    try:
        return qa.store.sources() if qa.store.exists() else []
    except ArticleQAError as exc:
        logger.warning("no outlets for the filter: %s", exc)
        return []


def settings_line(choices: Choices, key_set: bool) -> str:
    """The session's settings in one line (markdown; what the user typed is escaped)."""
    mode = f"Answers: {choices.answer_mode}"
    if choices.answer_mode == "openai":
        server = choices.llm_base_url or "no server URL yet"
        model = choices.llm_model or "no model yet"
        mode += f" ({escape_markdown(server)}, {escape_markdown(model)})"
    parts = [mode, f"{choices.k} passages"]
    parts.append("reranking on" if choices.reranker != "none" else "reranking off")
    if key_set:
        parts.append("an API key is set for this session (not shown)")
    return " · ".join(parts)
