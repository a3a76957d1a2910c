"""The Gradio chat: layout and wiring only. Answers come from ``qa``, formatting from ``render``.

Per-user data (the chat history and the last answer) lives in ``gr.State``; the one
``Assistant`` is shared by every user and holds none.

No ``from __future__ import annotations`` here: Gradio finds the ``gr.SelectData`` argument
of a callback by its evaluated annotation.
"""

import logging
import os
from typing import TYPE_CHECKING, Any

from index.errors import ArticleQAError
from qa.answer import Answer
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
    ("What pay rise did the rail workers win in the settlement?", "rail-strike-settlement"),
)

Message = dict[str, str]


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

    def chat(
        question: str, history: list[Message] | None
    ) -> tuple[list[Message], str, list[Message], Answer | None, str]:
        """One turn: (chat messages, sources panel, history state, answer state, textbox)."""
        history = list(history or [])
        try:
            answer = qa.ask(question)
        except ArticleQAError as exc:
            if not (question or "").strip():
                gr.Warning(str(exc))
                return history, render.empty_html(), history, None, ""
            history += _turn(question, render.error_markdown(str(exc)))
            return history, render.error_html(str(exc)), history, None, question
        history += _turn(question, render.answer_markdown(answer))
        return history, render.sources_html(answer), history, answer, ""

    def ask(question: str) -> dict[str, Any]:
        """The answer as JSON (the shape of `article-qa ask --json`)."""
        try:
            return qa.ask(question).to_dict()
        except ArticleQAError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc

    def clear() -> tuple[list[Message], str, list[Message], None, str]:
        return [], render.empty_html(), [], None, ""

    def example_text(evt: gr.SelectData) -> str:
        value = evt.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        history_state = gr.State([])
        answer_state = gr.State(None)
        gr.Markdown(_header(qa.store.count()), elem_id="aqa-header")
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

        turn_outputs = [chatbot, sources, history_state, answer_state, question]
        gr.on(
            [ask_button.click, question.submit],
            chat,
            inputs=[question, history_state],
            outputs=turn_outputs,
            api_name="chat",
            concurrency_id="qa",  # one question at a time: the model is shared
        )
        chatbot.example_select(
            example_text, outputs=question, queue=False, api_visibility="private"
        ).then(
            chat,
            inputs=[question, history_state],
            outputs=turn_outputs,
            api_visibility="private",
            concurrency_id="qa",  # one question at a time: the model is shared
        )
        # The chat's own bin icon empties the chat; forget the history and sources with it.
        chatbot.clear(clear, outputs=turn_outputs, queue=False, api_visibility="private")
        gr.api(ask, api_name="ask", concurrency_id="qa")
    demo.queue()
    return demo


def _turn(question: str, reply: str) -> list[Message]:
    return [
        {"role": "user", "content": render.question_markdown(question)},
        {"role": "assistant", "content": reply},
    ]


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
    logger.warning("article-qa: serving %s on http://%s:%d", settings.store, host, port)
    launch(demo, host, port)


def warm_up(assistant: Assistant) -> None:
    """Load the model, LlamaIndex and the store now, so the first question is as quick as any."""
    try:
        assistant.ask("warm up")
    except ArticleQAError as exc:  # e.g. an empty store: the page says what to do
        logger.warning("%s", exc)
