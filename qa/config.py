"""The one settings object, built once at the entry point and passed down.

Values come from (lowest first) the defaults here, ``ARTICLE_QA_*`` environment variables,
and explicit keyword arguments. Unknown keys are an error.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.embed import DEFAULT_EMBED_MODEL
from index.store import default_store_path, is_named
from qa.errors import ConfigError

ENV_PREFIX = "ARTICLE_QA_"

# The extractive answerer says it could not find the answer when no sentence's plain match
# (qa.answer.MATCH_WEIGHTS: overlap, similarity, passage score, answer type) reaches this;
# calibrated on ../shared/data/rtqa/small (docs/benchmarks.md). With a reference date the
# abstention model decides as well (``abstain_threshold``).
DEFAULT_MIN_SCORE = 0.55


@dataclass(frozen=True)
class Settings:
    """Everything a question needs to be answered. Frozen: make a new one to change it."""

    # a store directory, the http(s):// URL of a Chroma server, or memory:NAME (index.store)
    store: Path | str = dataclasses.field(default_factory=default_store_path)
    embed_model: str = DEFAULT_EMBED_MODEL
    k: int = 5  # passages shown with an answer
    candidates: int = 30  # passages retrieved before the answerer picks sentences
    max_sentences: int = 3  # sentences in an extractive answer
    min_score: float = DEFAULT_MIN_SCORE  # abstain below this
    # Abstain when the abstention model's log-odds that the passages do not hold the answer
    # exceed this (qa.answer.AbstentionModel): lower abstains more, higher less, inf never.
    abstain_threshold: float = 0.0
    max_question_chars: int = 2000
    retrieval: str = "hybrid"  # hybrid (dense + BM25), dense or bm25
    fusion: str = "weighted"  # weighted: w * cosine + (1 - w) * bm25 / best bm25; or rrf
    dense_weight: float = 0.3  # w above; in rrf, the dense list's weight
    depth: int = 100  # candidates taken from each of dense and BM25 before fusing
    recency_boost: float = 0.2  # added for articles from the recent_days before "now"
    recent_days: int = 14
    # Asked as of a date: abstain when every shown passage is older than recent_days before
    # it and the best fused score is below this (0 turns it off). Chosen on the rtqa small
    # set and the dev subset (docs/benchmarks.md): 8 of 12 unanswerable questions abstain,
    # no answerable one.
    stale_score: float = 0.8
    # Reranking after fusion: "none" (default: on rtqa small the offline reranker changed one
    # question in 55, at ~0.65 s each), "sentence" (MiniLM similarity of the question to each
    # passage's best sentences), or the name or path of a sentence-transformers CrossEncoder.
    reranker: str = "none"
    # How answers are written: "extractive" (default: quoted sentences, offline) or "openai"
    # (a language model on any OpenAI-compatible server) or "local" (a GGUF model run here by
    # llama.cpp); every generated sentence is checked, see qa/generate.py. The API key is
    # read from the environment variable named by llm_api_key_env.
    answer_mode: str = "extractive"
    llm_base_url: str = ""  # e.g. http://127.0.0.1:8080/v1
    llm_model_path: str = ""  # answer_mode local: a .gguf file or "smollm2" (qa/local_llm.py)
    llm_model: str = ""
    llm_api_key_env: str = "OPENAI_API_KEY"
    llm_timeout: float = 60.0  # seconds for one request
    llm_max_tokens: int = 256
    # How chat follow-ups become stand-alone questions: "model" (the language model, when
    # answer_mode has one; the rules when it fails) or "rules" (qa/conversation.py only).
    condense: str = "model"

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ConfigError(f"k must be at least 1, got {self.k}")
        if self.candidates < self.k:
            raise ConfigError(f"candidates ({self.candidates}) must be at least k ({self.k})")
        if self.retrieval not in ("hybrid", "dense", "bm25"):
            raise ConfigError(f"retrieval must be hybrid, dense or bm25, not {self.retrieval!r}")
        if self.fusion not in ("weighted", "rrf"):
            raise ConfigError(f"fusion must be weighted or rrf, not {self.fusion!r}")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ConfigError(f"dense_weight must be between 0 and 1, got {self.dense_weight}")
        if self.depth < 1 or self.recent_days < 0:
            raise ConfigError("depth must be at least 1 and recent_days at least 0")
        if self.answer_mode not in ("extractive", "openai", "local"):
            raise ConfigError(
                f"answer_mode must be extractive, openai or local, not {self.answer_mode!r}"
            )
        if self.llm_timeout <= 0 or self.llm_max_tokens < 1:
            raise ConfigError("llm_timeout must be positive and llm_max_tokens at least 1")
        if self.condense not in ("model", "rules"):
            raise ConfigError(f"condense must be model or rules, not {self.condense!r}")
        if self.max_sentences < 1:
            raise ConfigError(f"max_sentences must be at least 1, got {self.max_sentences}")
        if math.isnan(self.abstain_threshold):
            raise ConfigError("abstain_threshold must be a number (inf never abstains), not nan")

    @classmethod
    def load(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``ARTICLE_QA_*`` variables, then ``overrides`` (``None`` = unset)."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - set(fields))
        if unknown:
            raise ConfigError(
                f"Unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(fields))}"
            )
        values: dict[str, Any] = {}
        source = os.environ if env is None else env
        for name, f in fields.items():
            raw = source.get(ENV_PREFIX + name.upper())
            if raw is not None and raw != "":
                values[name] = _convert(name, f.type, raw)
        for name, value in overrides.items():
            if value is not None:
                values[name] = _convert(name, fields[name].type, value)
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return Settings.load(env={}, **{**dataclasses.asdict(self), **changes})


def _convert(name: str, kind: Any, value: Any) -> Any:
    kind = str(kind)
    try:
        if "Path" in kind:
            return str(value) if is_named(value) else Path(value).expanduser()
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except (TypeError, ValueError) as exc:
        noun = {"int": "an integer", "float": "a number"}.get(kind, kind)
        raise ConfigError(f"Setting {name} must be {noun}, got {value!r}") from exc
    return str(value)
