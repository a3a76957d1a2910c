"""The Gradio chat: layout and wiring only. Answers come from ``qa``, formatting from ``render``.

Per-user data (the questions and their answers) lives in ``gr.State``; the one
``Assistant`` is shared by every user and holds none.

No ``from __future__ import annotations`` here: Gradio finds the ``gr.SelectData`` argument
of a callback by its evaluated annotation.
"""

import logging
import os
from typing import TYPE_CHECKING, Any

from index.errors import ArticleQAError
from qa.assistant import Assistant
from qa.config import Settings
from ui import render

if TYPE_CHECKING:
    import gradio as gr
    from gradio.components.chatbot import ExampleMessage

logger = logging.getLogger(__name__)

TITLE = "article-qa"
DESCRIPTION = "Ask about your news articles; every sentence of the answer is quoted and cited."

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


def _no_analytics() -> None:
    """Gradio reads this when first imported; without it, it looks up its analytics server."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def _header(count: int) -> str:
    if count == 0:
        status = "No articles indexed yet: run `article-qa ingest PATH`, then reload this page."
    else:
        status = f"{count} article{'s' if count != 1 else ''} indexed."
    return f"# {TITLE}\n{DESCRIPTION} {status}"


def _examples(assistant: Assistant) -> list["ExampleMessage"]:
    """The sample questions, only when every article they need is in the store."""
    wanted = [article_id for _, article_id in SAMPLE_EXAMPLES]
    try:
        found = assistant.store.get_many(wanted) if assistant.store.exists() else {}
    except ArticleQAError:
        return []
    if len(found) != len(wanted):
        return []
    return [{"text": question} for question, _ in SAMPLE_EXAMPLES]


def build_app(settings: Settings, assistant: Assistant | None = None) -> "gr.Blocks":
    """The chat app for the store in ``settings`` (launch it with :func:`launch`)."""
    _no_analytics()
    import gradio as gr

    qa = assistant if assistant is not None else Assistant(settings)

    def chat(question: str, turns: list[render.Turn] | None) -> tuple[Any, ...]:
        """One turn: (chat messages, sources panel, turns state, textbox)."""
        turns = list(turns or [])
        try:
            answer = qa.ask(question)
        except ArticleQAError as exc:
            if not (question or "").strip():
                gr.Warning(str(exc))
                return gr.skip(), gr.skip(), gr.skip(), ""
            turns.append(render.Turn(question, error=str(exc)))
            return render.chat_messages(turns), render.error_html(str(exc)), turns, question
        turns.append(render.Turn(question, answer=answer))
        return render.chat_messages(turns), render.sources_html(answer), turns, ""

    def echo(question: str, turns: list[render.Turn] | None) -> list[Any]:
        """The chat with the new question in it, shown while its answer is being found."""
        messages: list[Any] = render.chat_messages(turns or [])
        if (question or "").strip():
            messages.append({"role": "user", "content": render.question_markdown(question)})
        return messages

    def ask(question: str) -> dict[str, Any]:
        """The answer as JSON (the shape of `article-qa ask --json`)."""
        try:
            return qa.ask(question).to_dict()
        except ArticleQAError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc

    def clear() -> tuple[list[Any], str, list[render.Turn], str]:
        return [], render.empty_html(), [], ""

    def example_text(evt: gr.SelectData) -> str:
        value = evt.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        # This user's questions and answers; the panel shows the last answer's sources.
        turns_state = gr.State([])
        header = gr.Markdown(_header(qa.store.count()), elem_id="aqa-header")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=360):
                chatbot = gr.Chatbot(
                    label="Answers",
                    height=520,
                    latex_delimiters=[],
                    feedback_options=None,
                    buttons=[],  # "copy" would copy the escaped markdown, backslashes and all
                    examples=_examples(qa) or None,
                    placeholder="Ask a question about the indexed articles.",
                    elem_id="aqa-chat",
                )
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
            with gr.Column(scale=2, min_width=320):
                gr.Markdown("### Sources")
                sources = gr.HTML(
                    render.empty_html(), js_on_load=None, elem_id="aqa-sources", max_height=540
                )

        # A question shows in the chat at once (echo); then its answer is found (chat, also the
        # /chat API). One question at a time: the model is shared.
        state = [question, turns_state]
        turn_outputs = [chatbot, sources, turns_state, question]
        quick: dict[str, Any] = {"queue": False, "show_progress": "hidden"}
        asked = gr.on(
            [ask_button.click, question.submit],
            echo,
            state,
            chatbot,
            api_visibility="private",
            **quick,
        )
        asked.then(
            chat,
            state,
            turn_outputs,
            show_progress_on=chatbot,
            concurrency_id="qa",
            api_name="chat",
        )
        picked = chatbot.example_select(
            example_text, None, question, api_visibility="private", **quick
        ).then(echo, state, chatbot, api_visibility="private", **quick)
        picked.then(
            chat,
            state,
            turn_outputs,
            show_progress_on=chatbot,
            concurrency_id="qa",
            api_visibility="private",
        )
        # The chat's own bin icon empties the chat; forget the history and sources with it.
        chatbot.clear(clear, outputs=turn_outputs, queue=False, api_visibility="private")
        gr.api(ask, api_name="ask", concurrency_id="qa")
        # Articles ingested while the app runs count from the next page load.
        demo.load(
            lambda: _header(qa.store.count()), None, header, api_visibility="private", queue=False
        )
    demo.queue()
    return demo


def launch(
    demo: "gr.Blocks", host: str = "127.0.0.1", port: int = 7860, *, block: bool = True
) -> str:
    """Start the server (no share link, no analytics); returns the local url.

    With ``block=False`` it returns once the server is up (for tests); stop it with
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
        css=render.CSS,
        theme=gr.themes.Default(primary_hue="indigo", secondary_hue="slate", neutral_hue="slate"),
        footer_links=["api"],
        show_error=False,
    )
    return str(demo.local_url)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """``article-qa serve``: load the embedding model, then serve the chat until Ctrl-C."""
    assistant = Assistant(settings)
    demo = build_app(settings, assistant)
    warm_up(assistant)
    logger.info("serving %s on http://%s:%d", settings.store, host, port)
    launch(demo, host, port)


def warm_up(assistant: Assistant) -> None:
    """Load the model, LlamaIndex and the store now, so the first question is as quick as any."""
    try:
        assistant.ask("warm up")
    except ArticleQAError as exc:  # e.g. an empty store: the page says what to do
        logger.warning("%s", exc)
