"""Ask questions about your articles; every answer cites the sentences it came from.

>>> from qa import answer
>>> a = answer("How much will the desalination plant cost?")  # doctest: +SKIP
>>> print(a.text, a.citations[0].quote)                         # doctest: +SKIP
"""

from qa.assistant import Assistant, answer
from qa.types import Answer, Citation

__all__ = ["Answer", "Assistant", "Citation", "answer"]
