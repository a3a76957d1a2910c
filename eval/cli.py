"""``article-qa eval``: run an evaluation (or a sweep), or compare two runs.

``article-qa eval GOLD --articles PATH`` runs (the ``run`` subcommand is the default, so the
command reads as it always did); ``article-qa eval compare RUN_A RUN_B`` compares. Heavy
modules are imported inside the commands, so that ``article-qa --help`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from qa.cli_options import friendly_errors as _friendly_errors

F = TypeVar("F", bound=Callable[..., Any])


class DefaultGroup(click.Group):
    """A group that runs ``default`` when the first argument names none of its commands
    (``article-qa eval GOLD ...`` is ``article-qa eval run GOLD ...``)."""

    def __init__(self, *args: Any, default: str = "run", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [self.default, *args]
        elif not args:
            args = [self.default]
        return super().parse_args(ctx, args)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The group's help, then the default command's options (what ``eval GOLD`` takes)."""
        super().format_help(ctx, formatter)
        command = self.commands.get(self.default)
        if command is None:
            return
        with click.Context(command, info_name=self.default, parent=ctx) as sub:
            records = [
                record
                for param in command.get_params(sub)
                if isinstance(param, click.Option) and "--help" not in param.opts
                if (record := param.get_help_record(sub)) is not None
            ]
        if records:
            with formatter.section(f"Options of `{ctx.command_path} GOLD` (`{self.default}`)"):
                formatter.write_dl(records)


@click.group(
    name="eval",
    cls=DefaultGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)
def eval_group() -> None:
    """Evaluate against gold questions, or compare two evaluations.

    \b
    article-qa eval GOLD --articles PATH [--out DIR]     (the same as `eval run`)
    article-qa eval GOLD --articles PATH --set k=5,10 --set reranker=none,sentence
    article-qa eval compare RUN_A RUN_B                   (exit code 1 on a regression)
    """


@eval_group.command(name="run")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--articles",
    type=click.Path(exists=True, path_type=Path),
    multiple=True,
    help="Articles to ingest first (files or folders); repeat for several.",
)
@click.option(
    "--store",
    default=None,
    metavar="DIR|URL",
    help="Store (directory or Chroma server URL) to ingest into and ask (default: a temporary "
    "one, deleted afterwards).",
)
@click.option(
    "--embed-model",
    default=None,
    help="sentence-transformers model name or path (default: bundled all-MiniLM-L6-v2).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("eval-out"),
    show_default=True,
    help="Folder for report.json (a sweep: one subfolder per point, and sweep.json).",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N.")
@click.option(
    "-k",
    "--k",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Distinct retrieved articles recorded per question (hit@k, recall@k, nDCG@k).",
)
@click.option(
    "--retrieval",
    type=click.Choice(["hybrid", "dense", "bm25"]),
    default=None,
    help="How passages are found (default: hybrid, dense + BM25).",
)
@click.option(
    "--reranker", default=None, help="none (default), sentence, or a CrossEncoder model path."
)
@click.option(
    "--set",
    "grid",
    multiple=True,
    metavar="NAME=V1,V2",
    help="Sweep a setting over values (repeat for a grid), e.g. --set k=5,10 "
    "--set reranker=none,sentence. Any qa.config.Settings name.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option(
    "--resamples",
    type=click.IntRange(min=100),
    default=1000,
    show_default=True,
    help="Bootstrap resamples for the 95% intervals.",
)
@click.option(
    "--strict", is_flag=True, help="Stop when gold evidence matches no article in the store."
)
@click.option(
    "--undated/--no-undated",
    default=True,
    show_default=True,
    help="Also ask every question without a reference date, as the chat, `ask` and "
    "answer() do by default (the undated_* metrics).",
)
@click.option(
    "--remove-evidence/--keep-evidence",
    default=True,
    show_default=True,
    help="The trust check: ask each answerable question again with its evidence articles "
    "left out (as if removed from a copy of the store), dated and undated; right when it "
    "abstains or still finds the answer elsewhere (removed_right_rate).",
)
@click.option(
    "--html/--no-html",
    default=True,
    show_default=True,
    help="Also write report.html: plots, worst segments and every failure, one file.",
)
@_friendly_errors
def run_command(
    gold: Path,
    articles: tuple[Path, ...],
    store: str | None,
    embed_model: str | None,
    out: Path,
    limit: int | None,
    k: int,
    retrieval: str | None,
    reranker: str | None,
    grid: tuple[str, ...],
    seed: int,
    resamples: int,
    strict: bool,
    undated: bool,
    remove_evidence: bool,
    html: bool,
) -> None:
    """Evaluate against GOLD questions (JSONL, the rtqa dev.jsonl format, or CSV).

    The gold file is checked first (every bad line reported); the articles are ingested
    (without --store into a temporary store, deleted afterwards), each question is asked as
    of its question_date (and again without a date, and with its evidence articles left
    out: the trust check), and the metrics (with 95% bootstrap intervals), their breakdown
    and every question's record go to OUT/report.json.
    """
    options: dict[str, Any] = {
        "articles": list(articles),
        "store": store,
        "embed_model": embed_model,
        "out": out,
        "limit": limit,
        "k": k,
        "retrieval": retrieval,
        "reranker": reranker,
        "seed": seed,
        "resamples": resamples,
        "strict": strict,
        "undated": undated,
        "remove_evidence": remove_evidence,
    }
    if grid:
        from eval.sweep import parse_grid, run_sweep

        result = run_sweep(gold, parse_grid(grid), **options)
        for point, report, folder in zip(
            result.points, result.reports, result.folders, strict=True
        ):
            shown = ", ".join(f"{n}={v}" for n, v in point.items())
            click.echo(f"== {shown}: {folder}")
            _write_html(report, folder, html)
        click.echo(result.table())
        click.echo(f"sweep written to {out / 'sweep.json'}")
        return

    from eval.run import run_eval

    report = run_eval(gold, **options)
    click.echo(report.table())
    click.echo(f"report written to {out / 'report.json'}")
    _write_html(report, out, html)


def _write_html(report: Any, folder: Path | None, wanted: bool) -> None:
    if not wanted or folder is None:
        return
    from eval.html import write_html

    path = write_html(report.to_dict(), folder / "report.html")
    click.echo(f"html report written to {path}")


@eval_group.command(name="compare")
@click.argument("run_a", type=click.Path(exists=True, path_type=Path))
@click.argument("run_b", type=click.Path(exists=True, path_type=Path))
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option(
    "--resamples",
    type=click.IntRange(min=100),
    default=1000,
    show_default=True,
    help="Paired bootstrap resamples.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@_friendly_errors
def compare_command(run_a: Path, run_b: Path, seed: int, resamples: int, as_json: bool) -> None:
    """Compare run B with run A (run folders or report.json files).

    Each metric's change over the questions both runs hold, with a paired-bootstrap 95%
    interval; the questions that flipped. Exits with 1 when B is significantly worse than
    A on a quality metric (latency and tokens never fail it), so CI can gate on it.
    """
    import json

    from eval.compare import compare, question_texts

    result = compare(run_a, run_b, resamples=resamples, seed=seed)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(result.table(question_texts(run_b)))
    if result.regressions:
        sys.exit(1)
