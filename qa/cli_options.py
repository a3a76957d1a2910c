"""What every ``article-qa`` command shares, wherever it is defined (``qa.cli``, ``ui.cli``,
``eval.cli``): how failures are reported and the common options."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from index.errors import ArticleQAError

F = TypeVar("F", bound=Callable[..., Any])

STORE_HELP = (
    "Store directory, or a Chroma server URL such as http://host:8000 (default: "
    "$ARTICLE_QA_STORE, else a per-user data directory)."
)


def allow_private_option(func: F) -> F:
    return click.option(
        "--allow-private",
        is_flag=True,
        help="Also fetch web pages and feeds on private and loopback addresses (this "
        "machine, your office network). Link-local and cloud metadata addresses are "
        "refused always.",
    )(func)


def store_option(func: F) -> F:
    return click.option(
        "--store",
        default=None,
        metavar="DIR|URL",
        help=STORE_HELP,
    )(func)


def model_option(func: F) -> F:
    return click.option(
        "--embed-model",
        default=None,
        help="sentence-transformers model name or path (default: bundled all-MiniLM-L6-v2).",
    )(func)


def retrieval_option(func: F) -> F:
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


def settings(**overrides: Any) -> Any:
    from qa.config import Settings

    return Settings.load(**overrides)


def friendly_errors(func: F) -> F:
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
