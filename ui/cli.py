"""``article-qa serve``: the chat app's command, registered through the
``article_qa.commands`` entry point (``ui.cli:serve``)."""

from __future__ import annotations

from pathlib import Path

import click

from qa.cli_options import allow_private_option as _allow_private_option
from qa.cli_options import friendly_errors as _friendly_errors
from qa.cli_options import model_option as _model_option
from qa.cli_options import settings as _settings
from qa.cli_options import store_option as _store_option


def _credentials(auth: tuple[str, ...], auth_file: Path | None) -> list[tuple[str, str]]:
    """``USER:PASS`` pairs from ``--auth`` and from ``--auth-file`` (one a line; blank lines
    and ``#`` comments skipped). Never echoes a password back, even in an error."""
    lines = [("--auth", i, spec) for i, spec in enumerate(auth, start=1)]
    if auth_file is not None:
        text = auth_file.read_text(encoding="utf-8")
        lines += [
            (str(auth_file), i, line.strip())
            for i, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")
        ]
    pairs = []
    for where, i, spec in lines:
        user, sep, password = spec.partition(":")
        if not sep or not user.strip() or not password:
            place = f"{where} line {i}" if where != "--auth" else f"--auth number {i}"
            raise click.BadParameter(f"{place} is not USER:PASS (user name, colon, password)")
        pairs.append((user.strip(), password))
    if auth_file is not None and not pairs:
        raise click.BadParameter(f"{auth_file} holds no USER:PASS line")
    return pairs


@click.command()
@_store_option
@_model_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=7860, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--auth",
    multiple=True,
    metavar="USER:PASS",
    help="Require this login (repeat for several users). Needed when --host is not loopback.",
)
@click.option(
    "--auth-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A file of USER:PASS lines (# comments allowed), kept out of the shell history.",
)
@_allow_private_option
@_friendly_errors
def serve(
    store: str | None,
    embed_model: str | None,
    host: str,
    port: int,
    auth: tuple[str, ...],
    auth_file: Path | None,
    allow_private: bool,
) -> None:
    """Start the chat app in the browser (http://HOST:PORT).

    It listens on 127.0.0.1 (this machine only) unless --host says otherwise; on any other
    address, give it logins with --auth or --auth-file.
    """
    from ui.app import exposure_warning
    from ui.app import serve as serve_app

    credentials = _credentials(auth, auth_file)
    settings = _settings(store=store, embed_model=embed_model)
    warning = exposure_warning(host, credentials)
    if warning:
        click.secho(f"Warning: {warning}", fg="yellow", err=True)
    login = f", {len(credentials)} login(s)" if credentials else ""
    click.echo(
        f"article-qa: opening the app on http://{host}:{port} (store {settings.store}{login}); "
        "Ctrl-C stops it.",
        err=True,
    )
    serve_app(settings, host=host, port=port, auth=credentials or None, allow_private=allow_private)
