"""The Gradio app: layout and wiring only. Answers come from ``qa``, formatting from
``render``, a session's assistant from ``session``.

Per-user data (the questions and their answers, the settings, an API key) lives in
``gr.State``; the app's ``Assistant`` and those derived from it for the sessions' settings are
shared by every user and hold none.

No ``from __future__ import annotations`` here: Gradio finds the ``gr.SelectData`` argument
of a callback by its evaluated annotation.
"""

import datetime as dt
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from index.errors import ArticleQAError
from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import ConfigError
from qa.types import Answer
from ui import render
from ui.library import build_library
from ui.session import (
    SAMPLE_EXAMPLES,
    Assistants,
    Choices,
    answer_modes,
    example_questions,
    outlets_of,
    settings_line,
    stream_answer,
)

if TYPE_CHECKING:
    import gradio as gr

logger = logging.getLogger(__name__)

__all__ = ["SAMPLE_EXAMPLES", "build_app", "exposure_warning", "launch", "serve", "warm_up"]

TITLE = "article-qa"
DESCRIPTION = "Ask about your news articles; every sentence of the answer is quoted and cited."
# Questions answered at once. Measured on 2 cores (benchmarks/load.py, docs/benchmarks.md):
# 20 clients get 2.7 questions/s at 1, 3.1 at 2, 3.2 at 3 and 3.1 at 6.
CONCURRENCY = 3
CONCURRENCY_ENV = "ARTICLE_QA_CONCURRENCY"


def concurrency() -> int:
    """Questions answered at once: ``$ARTICLE_QA_CONCURRENCY``, else ``CONCURRENCY``."""
    given = os.environ.get(CONCURRENCY_ENV, "").strip()
    if not given:
        return CONCURRENCY
    if not given.isdigit() or int(given) < 1:
        raise ConfigError(f"{CONCURRENCY_ENV} must be a whole number of at least 1, not {given!r}")
    return int(given)


REVEAL_SECONDS = 0.12  # pause between the sentences of an extractive answer as it streams


def _no_analytics() -> None:
    """Gradio reads this when first imported; without it, it looks up its analytics server."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def _header(count: int) -> str:
    if count == 0:
        status = (
            "No articles indexed yet: add some in the Library tab or run `article-qa ingest PATH`."
        )
    else:
        status = f"{count} article{'s' if count != 1 else ''} indexed."
    return f"# {TITLE}\n{DESCRIPTION} {status}"


def _history(turns: list[render.Turn]) -> list[dict[str, str]]:
    """The earlier answered turns, for follow-ups."""
    return [
        {"question": t.question, "answer": t.answer.text, "searched": t.answer.searched}
        for t in turns
        if t.answer is not None
    ]


def _bodies(qa: Assistant, answer: Answer) -> dict[str, str]:
    """The cleaned bodies of the cited articles (for "Open article")."""
    ids = [c.article_id for c in answer.citations]
    if not ids:
        return {}
    try:
        return {i: rec.article.body for i, rec in qa.store.get_many(ids).items()}
    except ArticleQAError as exc:
        logger.warning("cited articles not readable: %s", exc)
        return {}


def build_app(
    settings: Settings, assistant: Assistant | None = None, *, allow_private: bool = False
) -> "gr.Blocks":
    """The app for the store in ``settings`` (launch it with :func:`launch`).
    ``allow_private=False``: the Library refuses web pages and feeds on private, loopback
    and link-local addresses (``serve`` sets it whenever the app listens beyond this
    machine)."""
    _no_analytics()
    import gradio as gr

    qa = assistant if assistant is not None else Assistant(settings)
    assistants = Assistants(qa)
    defaults = assistants.default
    modes = answer_modes(qa.settings)  # only these are offered; the panel says why

    def respond(
        question: str,
        turns: list[render.Turn] | None,
        outlets: list[str] | None,
        since: str,
        until: str,
        recent: bool,
        choices: dict[str, Any] | None,
        api_key: str | None,
        as_timeline: bool = False,
    ) -> Iterator[tuple[Any, ...]]:
        """One turn, streamed: (chat messages, sources panel, turns state, textbox, copy text)."""
        turns = list(turns or [])
        text = (question or "").strip()
        if not text:
            gr.Warning("The question is empty: type what you want to know.")
            yield gr.skip(), gr.skip(), gr.skip(), "", gr.skip()
            return
        pending: list[Any] = render.chat_messages(turns)
        pending.append({"role": "user", "content": render.question_markdown(text)})

        def find(on_token: Callable[[str], None]) -> Answer:
            return assistants.answer(
                Choices.from_dict(choices),
                api_key or "",
                lambda chosen: chosen.chat(
                    text,
                    _history(turns),
                    sources=outlets or None,
                    since=(since or "").strip() or None,
                    until=(until or "").strip() or None,
                    reference_date=dt.date.today() if recent else None,
                    on_token=on_token,
                    timeline=True if as_timeline else None,
                ),
            )

        written = ""
        for kind, value in stream_answer(find):
            if kind == "partial":
                written = value
                partial = {"role": "assistant", "content": render.streaming_markdown(written)}
                yield [*pending, partial], gr.skip(), gr.skip(), gr.skip(), gr.skip()
        if kind == "error":
            turns.append(render.Turn(text, error=value))
            yield render.chat_messages(turns), render.error_html(value), turns, question, ""
            return
        answer: Answer = value
        sources = render.sources_html(answer, _bodies(qa, answer))
        if not written:  # extractive: show it sentence by sentence
            for part in render.revealed(answer)[:-1]:
                content = render.answer_markdown(part) + render.CURSOR
                yield (
                    [*pending, {"role": "assistant", "content": content}],
                    sources,
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                )
                time.sleep(REVEAL_SECONDS)
        used = render.filter_labels(
            outlets or [], (since or "").strip(), (until or "").strip(), recent
        )
        turns.append(render.Turn(text, answer=answer, filters=tuple(used)))
        yield render.chat_messages(turns), sources, turns, "", render.answer_plain_text(answer)

    def echo(question: str, turns: list[render.Turn] | None) -> list[Any]:
        """The chat with the new question in it, shown while its answer is being found."""
        messages: list[Any] = render.chat_messages(turns or [])
        if (question or "").strip():
            messages.append({"role": "user", "content": render.question_markdown(question)})
        return messages

    def stopped(question: str, turns: list[render.Turn] | None) -> tuple[Any, ...]:
        """Stop pressed: the question stays in the chat, marked as stopped."""
        if not (question or "").strip():  # no answer under way (a finished one empties it)
            return gr.skip(), gr.skip(), gr.skip()
        turns = [*(turns or []), render.Turn(question.strip(), stopped=True)]
        return render.chat_messages(turns), render.empty_html(), turns

    def retry(turns: list[render.Turn] | None) -> tuple[Any, ...]:
        """Take the last question back out of the chat and put it in the textbox again."""
        turns = list(turns or [])
        if not turns:
            gr.Warning("Nothing to retry yet: ask a question first.")
            return gr.skip(), gr.skip(), gr.skip()
        last = turns.pop()
        return last.question, turns, echo(last.question, turns)

    def ask(
        question: str,
        history: list[list[str]] | None = None,
        sources: list[str] | None = None,
        since: str = "",
        until: str = "",
        k: int = 0,
        timeline: bool = False,
    ) -> dict[str, Any]:
        """The answer as JSON (the shape of `article-qa ask --json`). ``history`` holds the
        earlier ``[question, answer]`` pairs of a conversation (for follow-ups); ``sources``
        keeps those outlets, ``since``/``until`` (YYYY-MM-DD) that date range; ``k`` (0: the
        default) is the number of passages returned; ``timeline`` answers as a timeline
        (``timeline`` in the JSON), as a question that asks how something unfolded is."""
        try:
            return assistants.answer(
                replace(defaults, k=k) if k else defaults,
                "",
                lambda chosen: chosen.chat(
                    question,
                    [(str(pair[0]), str(pair[1])) for pair in history or [] if len(pair) == 2],
                    sources=sources or None,
                    since=since.strip() or None,
                    until=until.strip() or None,
                    timeline=True if timeline else None,
                ),
            ).to_dict()
        except ArticleQAError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc

    def clear() -> tuple[list[Any], str, list[render.Turn], str, str]:
        return [], render.empty_html(), [], "", ""

    def example_text(evt: gr.SelectData) -> str:
        value = evt.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value)

    def save_choices(
        mode: str, base_url: str, model: str, k: float, rerank: bool, key: str | None
    ) -> tuple[dict[str, Any], str, Any]:
        choices = Choices(
            answer_mode=mode,
            llm_base_url=(base_url or "").strip(),
            llm_model=(model or "").strip(),
            k=int(k),
            reranker="sentence" if rerank else "none",
        )
        note = settings_line(choices, bool(key))
        return choices.changes(), note, gr.update(visible=mode == "openai")

    def save_key(
        typed: str, choices: dict[str, Any] | None, current: str | None
    ) -> tuple[str, str, str]:
        """Keep the typed key in this session's state; the field is emptied, never refilled
        (leaving the field empty keeps the key set before; "Forget the key" drops it)."""
        key = (typed or "").strip() or (current or "")
        return key, "", settings_line(Choices.from_dict(choices), bool(key))

    def forget_key(choices: dict[str, Any] | None) -> tuple[str, str, str]:
        return "", "", settings_line(Choices.from_dict(choices), False)

    def filter_chips(outlets: list[str] | None, since: str, until: str, recent: bool) -> str:
        return render.filters_html(
            outlets or [], (since or "").strip(), (until or "").strip(), recent
        )

    def on_load() -> tuple[Any, ...]:
        """The header, example questions and outlets, as the store is now."""
        questions = example_questions(qa)
        return (
            _header(qa.store.count()),
            gr.update(examples=[{"text": q} for q in questions] or None),
            gr.update(choices=outlets_of(qa)),
        )

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        # This user's questions and answers, settings and API key (server-side only).
        turns_state = gr.State([])
        choices_state = gr.State(defaults.changes())
        key_state = gr.State("")
        header = gr.Markdown(_header(qa.store.count()), elem_id="aqa-header")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat") as chat_tab, gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=360):
                    chatbot = gr.Chatbot(
                        label="Answers",
                        height=520,
                        latex_delimiters=[],
                        feedback_options=None,
                        buttons=[],  # "copy" would copy escaped markdown: see "Copy answer"
                        examples=[{"text": q} for q in example_questions(qa)] or None,
                        placeholder="Ask a question about the indexed articles.",
                        elem_id="aqa-chat",
                    )
                    chips = gr.HTML(render.filters_html(), elem_id="aqa-chips", js_on_load=None)
                    with gr.Row():
                        question = gr.Textbox(
                            placeholder="e.g. When did the rail strike end?",
                            show_label=False,
                            container=False,
                            scale=5,
                            max_lines=4,
                            autofocus=True,
                            elem_id="aqa-question",
                        )
                        ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=80)
                        stop_button = gr.Button("Stop", variant="secondary", scale=1, min_width=70)
                    with gr.Row():
                        as_timeline = gr.Checkbox(
                            False,
                            label="Timeline: dated quotes, oldest first",
                            info="Also when a question asks how something unfolded.",
                            elem_id="aqa-timeline",
                            scale=2,
                        )
                        retry_button = gr.Button("Retry", size="sm", elem_id="aqa-retry")
                        copy_button = gr.Button(
                            "Copy answer with sources", size="sm", elem_id="aqa-copy"
                        )
                        clear_button = gr.Button(
                            "Clear conversation", size="sm", elem_id="aqa-clear"
                        )
                    copy_text = gr.Textbox(visible=False, elem_id="aqa-copy-text")
                    with gr.Accordion("Filters", open=False, elem_id="aqa-filters"):
                        with gr.Row():
                            outlets = gr.Dropdown(
                                choices=outlets_of(qa),
                                multiselect=True,
                                label="Outlets",
                                elem_id="aqa-outlets",
                                scale=2,
                            )
                            since = gr.Textbox(
                                value="",
                                label="From",
                                placeholder="YYYY-MM-DD",
                                elem_id="aqa-since",
                            )
                            until = gr.Textbox(
                                value="",
                                label="Until",
                                placeholder="YYYY-MM-DD",
                                elem_id="aqa-until",
                            )
                        recent = gr.Checkbox(
                            False,
                            label="Prefer recent articles (the two weeks before today)",
                            elem_id="aqa-recent",
                        )
                    with gr.Accordion("Settings", open=False, elem_id="aqa-settings"):
                        mode = gr.Radio(
                            list(modes.offered),
                            # (a configured mode that cannot run is not offered: the
                            # extractive one is shown, and answers fall back to it anyway)
                            value=(
                                defaults.answer_mode
                                if defaults.answer_mode in modes.offered
                                else "extractive"
                            ),
                            label="Answer mode",
                            info=render.escape_markdown(modes.info()),
                            elem_id="aqa-mode",
                        )
                        with gr.Group(visible=defaults.answer_mode == "openai") as server_box:
                            base_url = gr.Textbox(
                                defaults.llm_base_url,
                                label="Server base URL",
                                placeholder="http://127.0.0.1:8080/v1",
                                elem_id="aqa-base-url",
                            )
                            model = gr.Textbox(
                                defaults.llm_model, label="Model", elem_id="aqa-model"
                            )
                            api_key = gr.Textbox(
                                label="API key (kept for this session only, never shown)",
                                type="password",
                                placeholder="press Enter to set",
                                elem_id="aqa-api-key",
                            )
                            forget = gr.Button("Forget the key", size="sm")
                        with gr.Row():
                            k = gr.Slider(
                                1,
                                10,
                                value=defaults.k,
                                step=1,
                                label="Passages (k)",
                                elem_id="aqa-k",
                            )
                            rerank = gr.Checkbox(
                                value=defaults.reranker != "none",
                                label="Rerank passages (slower)",
                                elem_id="aqa-rerank",
                            )
                        settings_note = gr.Markdown(
                            settings_line(defaults, False), elem_id="aqa-settings-note"
                        )
                with gr.Column(scale=2, min_width=320):
                    gr.Markdown("### Sources")
                    sources = gr.HTML(
                        render.empty_html(),
                        js_on_load=render.static_text("sources.js"),
                        elem_id="aqa-sources",
                        max_height=640,
                    )
            with gr.Tab("Library", id="library"):
                store_changes = build_library(qa, allow_private=allow_private)
        for change in store_changes:  # the header's count follows adds and deletes at once
            change.then(
                lambda: _header(qa.store.count()),
                None,
                header,
                api_visibility="private",
                queue=False,
                show_progress="hidden",
            )

        # A question shows in the chat at once (echo); then its answer streams in (respond,
        # also the /chat API). concurrency() questions are answered at once.
        inputs = [
            question,
            turns_state,
            outlets,
            since,
            until,
            recent,
            choices_state,
            key_state,
            as_timeline,
        ]
        outputs = [chatbot, sources, turns_state, question, copy_text]
        quick: dict[str, Any] = {"queue": False, "show_progress": "hidden"}
        answering: dict[str, Any] = {"show_progress_on": chatbot, "concurrency_id": "qa"}
        asked = gr.on(
            [ask_button.click, question.submit],
            echo,
            [question, turns_state],
            chatbot,
            api_visibility="private",
            **quick,
        ).then(respond, inputs, outputs, api_name="chat", **answering)
        picked = (
            chatbot.example_select(example_text, None, question, api_visibility="private", **quick)
            .then(echo, [question, turns_state], chatbot, api_visibility="private", **quick)
            .then(respond, inputs, outputs, api_visibility="private", **answering)
        )
        retried = retry_button.click(
            retry, turns_state, [question, turns_state, chatbot], api_visibility="private", **quick
        ).then(respond, inputs, outputs, api_visibility="private", **answering)
        stop_button.click(
            stopped,
            [question, turns_state],
            [chatbot, sources, turns_state],
            cancels=[asked, picked, retried],
            api_visibility="private",
            **quick,
        )
        copy_button.click(
            None, copy_text, None, js=render.static_text("copy.js"), api_visibility="private"
        )
        # The chat's own bin icon and the Clear button forget the history and sources.
        clear_outputs = [chatbot, sources, turns_state, question, copy_text]
        answers = [asked, picked, retried]  # clearing also stops an answer under way
        for cleared in (chatbot.clear, clear_button.click):
            cleared(clear, None, clear_outputs, cancels=answers, api_visibility="private", **quick)

        filter_inputs = [outlets, since, until, recent]
        gr.on(
            [outlets.change, since.change, until.change, recent.change],
            filter_chips,
            filter_inputs,
            chips,
            api_visibility="private",
            **quick,
        )
        setting_inputs = [mode, base_url, model, k, rerank, key_state]
        gr.on(
            [mode.change, base_url.change, model.change, k.change, rerank.change],
            save_choices,
            setting_inputs,
            [choices_state, settings_note, server_box],
            api_visibility="private",
            **quick,
        )
        gr.on(
            [api_key.submit, api_key.blur],
            save_key,
            [api_key, choices_state, key_state],
            [key_state, api_key, settings_note],
            api_visibility="private",
            **quick,
        )
        forget.click(
            forget_key,
            choices_state,
            [key_state, api_key, settings_note],
            api_visibility="private",
            **quick,
        )
        gr.api(ask, api_name="ask", concurrency_id="qa")
        # Articles added in the Library count at the next page load or return to the chat.
        for loaded in (demo.load, chat_tab.select):
            loaded(on_load, None, [header, chatbot, outlets], api_visibility="private", queue=False)
    demo.queue(default_concurrency_limit=concurrency())
    return demo


Credentials = Sequence[tuple[str, str]]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: assume others can reach it


def exposure_warning(host: str, auth: Credentials | None) -> str | None:
    """What to tell the user when the app would be open to the network without a password."""
    if auth or is_loopback(host):
        return None
    return (
        f"serving on {host} without --auth: anyone who can reach this machine can ask "
        "questions and read the stored articles. Add --auth USER:PASS or --auth-file FILE, "
        "or keep the default --host 127.0.0.1."
    )


def launch(
    demo: "gr.Blocks",
    host: str = "127.0.0.1",
    port: int = 7860,
    *,
    block: bool = True,
    auth: Credentials | None = None,
) -> str:
    """Start the server (no share link, no analytics); returns the local url.

    ``auth`` is a list of ``(user, password)`` pairs that may log in (none: no login). With
    ``block=False`` it returns once the server is up (for tests); stop it with
    ``demo.close()``.
    """
    _no_analytics()
    import gradio as gr

    demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        quiet=True,
        prevent_thread_lock=not block,
        css=render.static_text("app.css"),
        theme=gr.themes.Default(primary_hue="indigo", secondary_hue="slate", neutral_hue="slate"),
        footer_links=["api"],
        show_error=False,
        auth=list(auth) if auth else None,
        auth_message="article-qa: log in with the user name and password you were given."
        if auth
        else None,
    )
    return str(demo.local_url)


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: Credentials | None = None,
    allow_private: bool = False,
) -> None:
    """``article-qa serve``: load the embedding model, then serve the app until Ctrl-C (the
    command warns first, with :func:`exposure_warning`, when that is open to the network).
    The Library fetches pages on private and loopback addresses only with
    ``allow_private`` (``--allow-private``): otherwise whoever reaches the app could make it
    read the servers beside it."""
    assistant = Assistant(settings)
    demo = build_app(settings, assistant, allow_private=allow_private)
    warm_up(assistant)
    logger.info("serving %s on http://%s:%d", settings.store, host, port)
    launch(demo, host, port, auth=auth)


def warm_up(assistant: Assistant) -> None:
    """Load the model, LlamaIndex and the store now, so the first question is as quick as any."""
    try:
        assistant.ask("warm up")
    except ArticleQAError as exc:  # e.g. an empty store: the page says what to do
        logger.warning("%s", exc)
