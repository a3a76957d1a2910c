"""The Library tab: the articles of the store, and adding or deleting them (issue 5).

Layout and wiring only; everything it does goes through ``index`` (the same code path as the
``article-qa ingest`` / ``list`` / ``remove`` commands).
"""

from qa.assistant import Assistant


def build_library(assistant: Assistant) -> None:
    """Lay out the Library tab's components inside the current ``gr.Tab`` context."""
