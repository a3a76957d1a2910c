"""`article-qa serve`: logins, the warning for an open address, and what reaches the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from qa import cli
from ui.app import exposure_warning, is_loopback


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Calls that reach ``ui.app.serve`` (recorded instead of starting a server)."""
    import ui.app

    calls: list[dict[str, Any]] = []

    def record(
        settings: Any, host: str, port: int, auth: Any = None, allow_private: bool = False
    ) -> None:
        calls.append(
            {
                "host": host,
                "port": port,
                "auth": auth,
                "store": settings.store,
                "allow_private": allow_private,
            }
        )

    monkeypatch.setattr(ui.app, "serve", record)
    return calls


def run(*args: str) -> Any:
    return CliRunner().invoke(cli.main, ["serve", *args])


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("my-laptop.example", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_loopback_by_default_with_no_warning(served: list[dict[str, Any]]) -> None:
    result = run()
    assert result.exit_code == 0, result.output
    assert served[0]["host"] == "127.0.0.1"
    assert served[0]["port"] == 7860
    assert served[0]["auth"] is None and served[0]["allow_private"] is False
    assert "Warning" not in result.output
    assert run("--allow-private").exit_code == 0 and served[1]["allow_private"] is True


def test_open_address_without_auth_warns(served: list[dict[str, Any]]) -> None:
    result = run("--host", "0.0.0.0", "--port", "8001")
    assert result.exit_code == 0, result.output
    assert "Warning: serving on 0.0.0.0 without --auth" in result.output
    assert served[0]["host"] == "0.0.0.0"
    assert exposure_warning("0.0.0.0", [("a", "b")]) is None


def test_auth_pairs_reach_the_app(served: list[dict[str, Any]]) -> None:
    result = run("--host", "0.0.0.0", "--auth", "ana:s3cret:with:colons", "--auth", "bo:pw")
    assert result.exit_code == 0, result.output
    assert served[0]["auth"] == [("ana", "s3cret:with:colons"), ("bo", "pw")]
    assert "Warning" not in result.output
    assert "s3cret" not in result.output


def test_auth_file_lines(served: list[dict[str, Any]], tmp_path: Path) -> None:
    logins = tmp_path / "logins"
    logins.write_text("# desk logins\nana:one\n\n  bo:two  \n", encoding="utf-8")
    result = run("--auth-file", str(logins))
    assert result.exit_code == 0, result.output
    assert served[0]["auth"] == [("ana", "one"), ("bo", "two")]


@pytest.mark.parametrize("bad", ["nocolon", ":pw", "user:"])
def test_bad_auth_is_a_usage_error_that_never_shows_the_password(
    served: list[dict[str, Any]], bad: str
) -> None:
    result = run("--auth", bad)
    assert result.exit_code == 2
    assert "USER:PASS" in result.output
    assert "pw" not in result.output.replace("USER:PASS", "")
    assert served == []


def test_empty_auth_file_is_an_error(served: list[dict[str, Any]], tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    result = run("--auth-file", str(empty))
    assert result.exit_code == 2
    assert "holds no USER:PASS line" in result.output
    assert served == []


@pytest.mark.parametrize(
    ("host", "flag", "allowed"),
    [("127.0.0.1", False, False), ("0.0.0.0", False, False), ("127.0.0.1", True, True)],
)
def test_the_app_fetches_private_addresses_only_when_started_with_allow_private(
    host: str, flag: bool, allowed: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import ui.app
    from qa.config import Settings
    from ui.library import private_note

    built: list[bool] = []

    def build(settings: Any, assistant: Any = None, *, allow_private: bool = False) -> Any:
        built.append(allow_private)
        return object()

    monkeypatch.setattr(ui.app, "build_app", build)
    monkeypatch.setattr(ui.app, "warm_up", lambda assistant: None)
    monkeypatch.setattr(ui.app, "launch", lambda *args, **kwargs: "")
    settings = Settings.load(env={}, store=tmp_path / "store")
    ui.app.serve(settings, host=host, port=1, allow_private=flag)
    assert built == [allowed]
    assert ("--allow-private" in private_note(allowed)) and (
        ("Only public" in private_note(allowed)) is not allowed
    )
