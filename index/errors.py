"""The few errors the index package raises; each message says what to do next."""

from __future__ import annotations


class ArticleQAError(Exception):
    """Base class for every error article-qa raises on purpose."""


class InputError(ArticleQAError):
    """A file or record could not be read as an article (names the file, line or field)."""


class StoreError(ArticleQAError):
    """The store is missing, was built differently, or cannot be opened."""


class StoreLost(StoreError):
    """The Chroma server stopped answering in the middle of the work; what was saved stays,
    and running the same command again finishes it."""
