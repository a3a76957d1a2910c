"""The citation check: is each sentence of an answer backed by the passages it cites?

Used on every generated answer (and by the evaluation's citation metrics). Offline and
deterministic by default:

1. the answer is split into sentences and each sentence's ``[n]`` marks are read; a number
   that points at no passage is dropped (and reported);
2. a sentence with citations is checked against the text of its cited passages:

   - every number in it (figures, years, amounts) must occur in them;
   - every name in it (capitalised words not at the start) must occur in them;
   - enough of its content words must occur in them (``min_overlap``, stemmed), or its MiniLM
     similarity to the closest sentence of the cited passages must reach ``min_similarity``
     (paraphrases);

   with a sentence-transformers ``CrossEncoder`` NLI model configured, its entailment
   probability must reach ``min_entailment`` instead of the overlap and similarity tests
   (numbers and names still count);
3. a sentence without citations is ``uncited``: shown, but never as cited fact.

Sentences of a passage that address a language model ("Ignore previous instructions and
...", see :func:`is_instruction`) are no evidence for anything: an article cannot make a
claim pass by telling the model to write it. A sentence of the answer that is such an
instruction is unsupported.

Each sentence gets a :class:`SentenceCheck` with its verdict and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from index.sentences import sentence_spans
from qa.injection import is_instruction, without_instructions
from qa.words import content_words

if TYPE_CHECKING:
    from index.embed import Embedder
    from qa.retrieve import Passage

_MARK = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_MARKS = re.compile(r"(?:\s*\[\d+(?:\s*,\s*\d+)*\])+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z'’-]+")
_SKIP_NAMES = frozenset("I The A An In On At It He She They We This That".split())


@dataclass(frozen=True)
class SentenceCheck:
    """The verdict on one sentence of an answer."""

    text: str  # the sentence without its [n] marks
    cited: tuple[int, ...]  # the valid passage numbers it cites (1-based)
    verdict: str  # "supported", "unsupported" or "uncited"
    reason: str = ""  # why, when not supported
    overlap: float = 0.0  # share of its content words found in the cited passages
    similarity: float = 0.0  # MiniLM cosine to the closest cited sentence
    dropped: tuple[int, ...] = ()  # [n] marks that pointed at no passage

    @property
    def supported(self) -> bool:
        return self.verdict == "supported"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "cited": list(self.cited),
            "verdict": self.verdict,
            "reason": self.reason,
            "overlap": round(self.overlap, 3),
            "similarity": round(self.similarity, 3),
            "dropped": list(self.dropped),
        }


def _marks(text: str) -> tuple[int, ...]:
    return tuple(int(n) for marks in _MARK.findall(text) for n in re.split(r"\s*,\s*", marks))


def split_cited(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """An answer's sentences, each with the numbers of its ``[n]`` marks (in order). A run of
    marks ends a sentence ("quote [1] next quote [2]", even when a quote has no full stop)
    and belongs to the sentence before it, also after its full stop ("... in March. [2]")."""
    out: list[tuple[str, tuple[int, ...]]] = []

    def sentences(segment: str) -> list[str]:
        return [t for t in (segment[s:e].strip() for s, e in sentence_spans(segment)) if t]

    pos = 0
    for match in _MARKS.finditer(text):
        found = sentences(text[pos : match.start()])
        marks = _marks(match.group(0))
        pos = match.end()
        if not found:
            if out:
                out[-1] = (out[-1][0], out[-1][1] + marks)
            continue
        out.extend((t, ()) for t in found[:-1])
        stop = re.match(r"[.!?;:,]+", text[pos:])  # "... in March [2]." keeps its full stop
        if stop:
            pos += stop.end()
        out.append((found[-1] + (stop.group(0) if stop else ""), marks))
    out.extend((t, ()) for t in sentences(text[pos:]))
    return out


def _names(sentence: str) -> set[str]:
    return {m.group(0).lower() for m in _NAME.finditer(sentence)} - {s.lower() for s in _SKIP_NAMES}


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


@dataclass
class CitationChecker:
    """Checks answers against their passages (see the module doc)."""

    embedder: Embedder | None = None
    nli_model: str | None = None  # a CrossEncoder NLI model name or path
    min_overlap: float = 0.6
    min_similarity: float = 0.7
    min_entailment: float = 0.5

    def check(self, text: str, passages: Sequence[Passage]) -> list[SentenceCheck]:
        checks = []
        for sentence, numbers in split_cited(text):
            valid = tuple(dict.fromkeys(n for n in numbers if 1 <= n <= len(passages)))
            dropped = tuple(n for n in numbers if not 1 <= n <= len(passages))
            if not valid:
                reason = "no citation" if not dropped else "cites no existing passage"
                checks.append(SentenceCheck(sentence, (), "uncited", reason, dropped=dropped))
                continue
            # the model saw each passage's title, outlet and date too
            cited = "\n".join(
                f"{p.title}. {p.source} {p.published_at or ''}\n{without_instructions(p.text)}"
                for p in (passages[n - 1] for n in valid)
            )
            checks.append(self._check_one(sentence, valid, cited, dropped))
        return checks

    def _check_one(
        self, sentence: str, cited: tuple[int, ...], evidence: str, dropped: tuple[int, ...]
    ) -> SentenceCheck:
        words = set(content_words(sentence))
        overlap = len(words & set(content_words(evidence))) / len(words) if words else 1.0
        similarity = self._similarity(sentence, evidence)
        folded = evidence.lower()
        missing_numbers = sorted(_numbers(sentence) - _numbers(evidence))
        missing_names = sorted(n for n in _names(sentence) if n not in folded)

        def result(verdict: str, reason: str = "") -> SentenceCheck:
            return SentenceCheck(sentence, cited, verdict, reason, overlap, similarity, dropped)

        if is_instruction(sentence):
            return result("unsupported", "an instruction to a language model, not a fact")
        if missing_numbers:
            return result("unsupported", f"numbers not in the cited passages: {missing_numbers}")
        if missing_names:
            return result("unsupported", f"names not in the cited passages: {missing_names}")
        if self.nli_model:
            entailment = self._entailment(sentence, evidence)
            if entailment < self.min_entailment:
                return result("unsupported", f"entailment {entailment:.2f}")
            return result("supported")
        if overlap >= self.min_overlap or similarity >= self.min_similarity:
            return result("supported")
        return result(
            "unsupported", f"overlap {overlap:.2f} and similarity {similarity:.2f} are low"
        )

    def _similarity(self, sentence: str, evidence: str) -> float:
        if self.embedder is None:
            return 0.0
        candidates = [evidence[s:e] for s, e in sentence_spans(evidence)] or [evidence]
        vectors = self.embedder.embed([sentence, *candidates])
        return float((vectors[1:] @ vectors[0]).max())

    def _entailment(self, sentence: str, evidence: str) -> float:
        """The NLI model's probability that ``evidence`` entails ``sentence`` (its label
        named "entailment", as :func:`qa.rerank.relevance` reads it)."""
        import numpy as np

        from qa.rerank import load_cross_encoder, relevance

        model = load_cross_encoder(str(self.nli_model))
        logits = np.asarray(model.predict([(evidence, sentence)], show_progress_bar=False))
        return float(relevance(model, logits.reshape(1, -1))[0])
