"""The ``coalitionsim`` command line (design section 8)."""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from .runner.store import OutputError
from .scenario import FORMS, ScenarioError, bundled_scenarios, load_scenario

SCENARIO_HELP = "Scenario file or bundled scenario name (default: the embedded reference area)."
SET_HELP = "Override one scenario value by its dotted path, e.g. ownership.municipal_land_share=0.5 (repeatable)."
OVERWRITE_HELP = ("Replace earlier coalitionsim results at --out (never a folder or file coalitionsim did not "
                  "write).")


class InputError(click.ClickException):
    """Bad input: reported as one line, exit code 2."""

    exit_code = 2


@contextlib.contextmanager
def one_line_errors(*kinds: type[Exception]) -> Iterator[None]:
    """Turn the one-line errors of the layers below (scenario, output folder, and ``kinds``) into InputError."""
    try:
        yield
    except (ScenarioError, OutputError, *kinds) as err:
        raise InputError(str(err)) from None


def _scenario(path: str | None, overrides: tuple[str, ...]):
    with one_line_errors():
        return load_scenario(path, list(overrides))


def _check_form(scenario, form: str) -> None:
    from .model.governance import load_all

    reason = load_all()[form].not_applicable(scenario)
    if reason:
        raise InputError(f"--form {form}: not applicable to this area: {reason}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coalitionsim")
def cli() -> None:
    """coalitionsim: who builds, who pays, who can carry it — Dutch area development under the NOVEX forms."""


@cli.command()
@click.argument("scenario", required=False)
@click.option("--form", type=click.Choice(FORMS), default=None, help="Governance form (default: the scenario's).")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Seed (default: drawn and printed).")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write result files here.")
@click.option("--overwrite", is_flag=True, help=OVERWRITE_HELP)
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
def run(scenario: str | None, form: str | None, seed: int | None, out: Path | None, overwrite: bool,
        overrides: tuple[str, ...]) -> None:
    """One run; prints a readable summary."""
    from .model import new_seed
    from .runner import result_tables, run_model
    from .runner.store import check_out, manifest, write_outputs

    sc = _scenario(scenario, overrides)
    form = form or sc.simulation.form
    _check_form(sc, form)
    with one_line_errors():
        if out is not None:
            check_out(out, overwrite)
        seed = new_seed() if seed is None else seed
        result = run_model(sc, form, seed)
        click.echo(describe_run(result.summary))
        if out is not None:
            write_outputs(out, result_tables([result]), manifest("run", sc.to_dict(), [seed], form=form),
                          overwrite=overwrite)
            click.echo(f"results written to {out}")


@cli.command()
@click.argument("scenario", required=False)
@click.option("--replications", type=click.IntRange(min=1, max=10000), default=20, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Processes (default: all cores).")
@click.option("--seed", type=click.IntRange(min=0), default=20261123, show_default=True, help="Root seed.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: results/compare-<scenario>).")
@click.option("--overwrite", is_flag=True, help=OVERWRITE_HELP)
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
def compare(scenario: str | None, replications: int, workers: int | None, seed: int, out: Path | None,
            overwrite: bool, overrides: tuple[str, ...]) -> None:
    """The flagship: all five forms, replicated; a table with 90% intervals, files and figures."""
    from .reporting.figures import compare_figures
    from .runner import compare as run_compare
    from .runner.store import check_out, manifest, results_folder, write_outputs
    from .reporting.tables import format_table
    from .runner.stats import interval_table

    sc = _scenario(scenario, overrides)
    out = out if out is not None else results_folder(f"compare-{sc.meta.name}")
    with one_line_errors():
        check_out(out, overwrite)  # before the runs: a folder that cannot be used costs no minutes
        result = run_compare(sc, replications=replications, workers=workers, seed=seed,
                             progress=sys.stderr.isatty())
        click.echo(f"{sc.meta.name}: {sc.meta.description}")
        click.echo(f"{replications} replications per form, root seed {seed}; median [90% interval]\n")
        click.echo(format_table(interval_table(result.summary)))
        for form, reason in result.not_applicable.items():
            click.echo(f"\n{form}: not run — {reason}")
        write_outputs(
            out, result.tables(),
            manifest("compare", sc.to_dict(), result.seeds, root_seed=seed, replications=replications,
                     not_applicable=result.not_applicable),
            figures=lambda folder: compare_figures(result.summary, result.timeseries, sc.homes_planned, folder),
            overwrite=overwrite,
        )
    click.echo(f"\nresults and figures written to {out}")


@cli.command()
def scenarios() -> None:
    """The bundled scenarios with a one-line description."""
    for name, path in sorted(bundled_scenarios().items()):
        sc = load_scenario(path)
        click.echo(f"{name:28s} {sc.meta.description}")


@cli.command("sweep")
@click.argument("experiment")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes (default: all cores; 1 = serial); with --scheduler local, the Dask workers.")
@click.option("--scheduler", default=None, metavar="ADDRESS|local",
              help="Run on Dask: a scheduler address (tcp://host:8786) or 'local' for a LocalCluster on this "
                   "machine (127.0.0.1).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: results/<experiment name>).")
@click.option("--resume", is_flag=True, help="Continue an interrupted sweep in --out: completed runs are kept.")
@click.option("--overwrite", is_flag=True, help=OVERWRITE_HELP)
@click.option("--shard-size", type=click.IntRange(min=1), default=128, show_default=True,
              help="Runs per Parquet shard.")
@click.option("--quick", is_flag=True,
              help="Smoke-sized variant: 1 replication, first/last grid levels, <=4 samples, 2 forms, 20 quarters; "
                   "default folder results/<name>-quick.")
def sweep_command(experiment: str, workers: int | None, scheduler: str | None, out: Path | None, resume: bool,
                  overwrite: bool, shard_size: int, quick: bool = False) -> None:
    """Batch experiment: an experiment file's design x forms x replications (see experiments/)."""
    from .batch.experiment import ExperimentError
    from .batch.sweep import SweepError, quick_experiment, sweep

    try:
        with one_line_errors(ExperimentError, SweepError):
            if quick:
                experiment = quick_experiment(experiment)
            result = sweep(experiment, workers=workers, scheduler=scheduler, out=out, resume=resume,
                           overwrite=overwrite, shard_size=shard_size, echo=lambda msg: click.echo(msg, err=True))
    except KeyboardInterrupt:
        click.echo("interrupted: finished runs are stored; continue with --resume", err=True)
        raise click.exceptions.Abort() from None
    click.echo(f"{result.done} of {result.planned} runs stored in {result.out} ({result.ran_now} now, "
               f"{result.seconds:.1f} s, {result.executor}); {result.failed} failed, "
               f"{result.not_applicable} not applicable")
    click.echo(f"next: coalitionsim analyze {result.out}")


@cli.command("analyze")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output folder (default: FOLDER/analysis).")
@click.option("--overwrite", is_flag=True, help=OVERWRITE_HELP)
def analyze_command(folder: Path, out: Path | None, overwrite: bool) -> None:
    """Tables, main-effect figures and (morris/sobol) sensitivity indices of a sweep folder."""
    from .reporting.analyze import analyze
    from .batch.sweep import SweepError

    with one_line_errors(SweepError):
        analyze(folder, out=out, overwrite=overwrite, echo=click.echo)


@cli.command("report")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="HTML file to write (default: FOLDER/report.html).")
@click.option("--export", "export_dir", type=click.Path(path_type=Path), default=None,
              help="Also write every figure as PNG and SVG and every table as CSV into this folder.")
@click.option("--overwrite", is_flag=True,
              help="Replace an earlier coalitionsim report at --out and export at --export (never a file or folder "
                   "coalitionsim did not write).")
def report_command(folder: Path, out: Path | None, export_dir: Path | None, overwrite: bool) -> None:
    """A self-contained HTML report (figures, tables, parameters, seeds, versions) of a compare or sweep folder."""
    from .reporting.report import ReportError, report
    from .batch.sweep import SweepError

    with one_line_errors(ReportError, SweepError):
        path = report(folder, out=out, export_dir=export_dir, overwrite=overwrite,
                      echo=lambda msg: click.echo(msg, err=True))
    click.echo(f"report written to {path}" + (f"; figures and tables exported to {export_dir}" if export_dir else ""))


@cli.command("app")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8765, show_default=True,
              help="Port to serve on (0: any free port).")
@click.option("--host", default="localhost", show_default=True, help="Host to listen on.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser window.")
def app_command(port: int, host: str, no_browser: bool) -> None:
    """The browser app: pick a scenario and a form, set the levers, step or play, compare two forms."""
    from .app import AppUnavailable, free_port, serve

    port = port or free_port()
    click.echo(f"coalitionsim app on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    try:
        code = serve(host=host, port=port, open_browser=not no_browser)
    except AppUnavailable as err:
        raise click.ClickException(str(err)) from None
    if code:
        raise click.ClickException(f"the app server stopped with exit code {code}")


@cli.command("advise")
@click.argument("scenario", required=False)
@click.option("--simulate", is_flag=True, help="Also run all five forms and check the tree against the simulation.")
@click.option("--replications", type=click.IntRange(min=1, max=10000), default=10, show_default=True,
              help="Replications per form with --simulate.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Processes (default: all cores).")
@click.option("--seed", type=click.IntRange(min=0), default=20261123, show_default=True, help="Root seed (--simulate).")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
def advise_command(scenario: str | None, simulate: bool, replications: int, workers: int | None, seed: int,
                   overrides: tuple[str, ...]) -> None:
    """The beslisboom (decision tree): which collaboration form fits this area, and why; optionally checked by simulation."""
    from .advise import advise, simulate_check

    sc = _scenario(scenario, overrides)
    with one_line_errors():
        advice = advise(sc)
    click.echo(advice.render())
    if simulate:
        click.echo("")
        check = simulate_check(sc, advice, replications=replications, workers=workers, seed=seed,
                               progress=sys.stderr.isatty())
        click.echo(check.render())


def _fmt_years(x: float, horizon: float) -> str:
    return f"not within {horizon:g} years" if x is None or math.isnan(x) else f"{x:.1f} years"


def describe_run(s: dict) -> str:
    """A readable summary of one run, in the policy vocabulary."""
    horizon = s["param.simulation.horizon_quarters"] / 4
    lines = [
        f"{s['scenario']} under {s['form']} (seed {s['seed']})",
        f"  homes completed        {s['homes_completed']} of {s['homes_planned']} planned ({s['realisation_share']:.0%})",
        f"  first agreement        {_fmt_years(s['years_to_agreement'], horizon)}",
        f"  first home             {_fmt_years(s['years_to_first_home'], horizon)}",
        f"  half of the homes      {_fmt_years(s['t50_years'], horizon)}",
        f"  free-riding index      {s['free_riding_index']:.2f} (free riders: {s['free_rider_share']:.0%} of owners)",
        f"  funding gap            {s['funding_gap_share']:.0%} of area-task cost not paid privately",
        f"  public deficit         €{s['public_deficit']:.1f} m (Rijk subsidy €{s['rijk_subsidy']:.1f} m)",
        f"  willing but unable     {s['willing_unable_share']:.1%} of actors on average; {s['dropouts']} drop-outs",
        f"  negotiation            {s['negotiation_rounds']} rounds, {s['escalations']} escalations",
        f"  objections             {s['objections']} ({s['delay_quarters_objections']} quarters of delay)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point: bad input is one line on stderr and exit code 2, never a traceback."""
    from .runner import store

    store.INVOKED_WITH = list(sys.argv[1:] if argv is None else argv)
    try:
        cli.main(args=argv, prog_name="coalitionsim", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        return 2 if isinstance(exc, (InputError, click.UsageError)) else exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    finally:
        store.INVOKED_WITH = None
    return 0


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
