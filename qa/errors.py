"""Errors of the qa package. Store and input errors come from ``index.errors``."""

from __future__ import annotations

from index.errors import ArticleQAError, InputError, StoreError

__all__ = ["ArticleQAError", "ConfigError", "InputError", "QuestionError", "StoreError"]


class ConfigError(ArticleQAError):
    """A setting is unknown or has a bad value."""


class QuestionError(ArticleQAError):
    """The question cannot be asked as given (empty, too long, not text)."""
