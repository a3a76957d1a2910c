"""How every ``article-qa`` command reports failure (shared by ``qa.cli`` and ``eval.cli``,
which import each other, so it lives apart from both)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from index.errors import ArticleQAError

F = TypeVar("F", bound=Callable[..., Any])


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
