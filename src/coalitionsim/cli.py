"""The ``coalitionsim`` command line (design section 8).

Only click, the scenario contract and the shared defaults are imported at start; every command imports
what it needs when it runs, so ``coalitionsim``, ``--help`` and ``--version`` answer at once.

The same option has the same name, meaning and default in every command (see the ``*_option``
decorators below). Bad input is one line ``error: …`` on stderr and exit code 2, checked before any run
where it can be known in advance; output folders follow :mod:`coalitionsim.runner.store`.
"""

from __future__ import annotations

import contextlib
import math
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import click

from .runner.defaults import REPLICATIONS, ROOT_SEED
from .runner.store import OutputError
from .runner.workload import LARGE_DESIGN_RUNS, DesignTooLarge, confirm_size
from .scenario import FORMS, ScenarioError, bundled_scenarios, did_you_mean, load_scenario

SET_HELP = "Override one scenario value by its dotted path, e.g. ownership.municipal_land_share=0.5 (repeatable)."
OVERWRITE_HELP = ("Replace earlier coalitionsim results at --out (never a folder or file coalitionsim did not "
                  "write).")
TABLE_WIDTH = 100  # the printed compare table fits this many columns


class InputError(click.ClickException):
    """Bad input: reported as one line, exit code 2."""

    exit_code = 2


class Choice(click.Choice):
    """click's Choice whose error names the closest allowed value ("did you mean sok?")."""

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as err:
            self.fail(f"{err.message}{did_you_mean(value, self.choices)}", param, ctx)


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


def fit(lines: list[str], width: int = TABLE_WIDTH) -> str:
    """Lines of prose folded to ``width`` columns, a folded line's rest indented under its start."""
    wrap = textwrap.TextWrapper(width, subsequent_indent="    ", break_on_hyphens=False)
    return "\n".join(wrap.fill(line) if line.strip() else "" for line in lines)


def overrides_line(overrides: tuple[str, ...]) -> str:
    """The ``--set`` overrides a result was made with, for its header ('' without any)."""
    return ("changed with --set: " + "; ".join(overrides)) if overrides else ""


def _check_form(scenario, form: str) -> None:
    from .model.governance import load_all

    reason = load_all()[form].not_applicable(scenario)
    if reason:
        raise InputError(f"--form {form}: not applicable to this area: {reason}")


# --------------------------------------------------------------------------- shared arguments and options


def _complete_scenario(ctx, param, incomplete: str):
    from click.shell_completion import CompletionItem

    names = [CompletionItem(n) for n in sorted(bundled_scenarios()) if n.startswith(incomplete)]
    return names + [CompletionItem(incomplete, type="file")]


scenario_argument = click.argument("scenario", required=False, shell_complete=_complete_scenario)
set_option = click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
replications_option = click.option("--replications", type=click.IntRange(min=1, max=10000), default=REPLICATIONS,
                                   show_default=True, help="Seeded replications per form.")
workers_option = click.option("--workers", type=click.IntRange(min=1), default=None,
                              help="Processes (default: all cores; 1 = serial). Results do not depend on it.")
root_seed_option = click.option("--seed", type=click.IntRange(min=0), default=ROOT_SEED, show_default=True,
                                help="Root seed the replication seeds are spawned from.")
overwrite_option = click.option("--overwrite", is_flag=True, help=OVERWRITE_HELP)
scheduler_option = click.option("--scheduler", default=None, metavar="ADDRESS|local",
                                help="Run on Dask: a scheduler address (tcp://host:8786) or 'local' for a LocalCluster "
                                     "on this machine (127.0.0.1).")
resume_option = click.option("--resume", is_flag=True,
                             help="Continue an interrupted sweep in --out: completed runs are kept.")
shard_size_option = click.option("--shard-size", type=click.IntRange(min=1), default=128, show_default=True,
                                 help="Runs per Parquet shard.")


yes_option = click.option("--yes", is_flag=True,
                          help=f"Start a design of more than {LARGE_DESIGN_RUNS:,} runs without asking.")


def design_size_check(what: str, yes: bool):
    """The check a design command (sweep, robust) hands to the design's builder: a design larger than
    LARGE_DESIGN_RUNS is asked about on a terminal, and refused elsewhere with a --yes hint (exit 2)."""
    ask = (lambda question: click.confirm(question, default=False, err=True)) if sys.stdin.isatty() else None
    return lambda runs: confirm_size(runs, what, yes, ask)


def out_option(help: str):
    return click.option("--out", type=click.Path(path_type=Path), default=None, metavar="DIR", help=help)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coalitionsim")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """coalitionsim: who builds, who pays, who can carry it — Dutch area development under the NOVEX forms.

    \b
    Shell completion (bash; for zsh or fish: zsh_source, fish_source):
      eval "$(_COALITIONSIM_COMPLETE=bash_source coalitionsim)"
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


# --------------------------------------------------------------------------- run and compare


@cli.command()
@scenario_argument
@click.option("--form", type=Choice(FORMS), default=None, help="Governance form (default: the scenario's).")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Seed (default: drawn and printed).")
@out_option("Also write the result files into this folder.")
@overwrite_option
@set_option
def run(scenario: str | None, form: str | None, seed: int | None, out: Path | None, overwrite: bool,
        overrides: tuple[str, ...]) -> None:
    """One run; prints a readable summary."""
    from .model import new_seed
    from .runner import result_tables, run_model
    from .runner.store import check_out, claim, manifest, write_outputs

    sc = _scenario(scenario, overrides)
    form = form or sc.simulation.form
    _check_form(sc, form)
    with one_line_errors(), (claim(out) if out is not None else contextlib.nullcontext()):
        if out is not None:
            check_out(out, overwrite)
        seed = new_seed() if seed is None else seed
        result = run_model(sc, form, seed, progress=sys.stderr.isatty())
        click.echo(describe_run(result.summary, overrides))
        if out is not None:
            write_outputs(out, result_tables([result]),
                          manifest("run", sc.to_dict(), [seed], form=form, overrides=list(overrides)),
                          overwrite=overwrite)
            click.echo(f"results written to {out}")


@cli.command()
@scenario_argument
@replications_option
@workers_option
@root_seed_option
@out_option("Output folder (default: results/compare-<scenario>, with --set results/compare-<scenario>-<hash of the "
           "overrides>).")
@overwrite_option
@click.option("--format", "fmt", type=Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="How to print the interval table: a text table, or CSV / JSON on stdout for scripts "
                   "(the other messages then go to stderr).")
@set_option
def compare(scenario: str | None, replications: int, workers: int | None, seed: int, out: Path | None,
            overwrite: bool, fmt: str, overrides: tuple[str, ...]) -> None:
    """The flagship: all five forms, replicated; a table with 90% intervals, files and figures."""
    from .reporting.figures import compare_figures
    from .reporting.tables import format_table, interval_csv, interval_json
    from .runner import compare as run_compare
    from .runner.stats import interval_table, switched_line
    from .runner.store import check_out, claim, manifest, overrides_tag, results_folder, write_outputs
    from .runner.text import bought_land_notes
    from .runner.tradeoff import tradeoff

    sc = _scenario(scenario, overrides)
    out = out if out is not None else results_folder(f"compare-{sc.meta.name}{overrides_tag(overrides)}")
    with one_line_errors(), claim(out):
        check_out(out, overwrite)  # before the runs: a folder that cannot be used costs no minutes
        result = run_compare(sc, replications=replications, workers=workers, seed=seed, progress=True)
        write_outputs(
            out, result.tables(),
            manifest("compare", sc.to_dict(), result.seeds, root_seed=seed, replications=replications,
                     not_applicable=result.not_applicable, overrides=list(overrides)),
            figures=lambda folder: compare_figures(result.summary, result.timeseries, sc.homes_planned, folder),
            overwrite=overwrite,
        )
    table = interval_table(result.summary)
    answer = tradeoff(result.summary)  # the one answer of every surface: who is ahead beyond the spread
    note = fmt != "table"  # machine-readable stdout: the prose goes to stderr
    click.echo(textwrap.fill(f"{sc.meta.name}: {sc.meta.description}", TABLE_WIDTH, subsequent_indent="  "),
               err=note)
    if overrides:
        click.echo(textwrap.fill(overrides_line(overrides), TABLE_WIDTH, subsequent_indent="  "), err=note)
    click.echo(f"{replications} replications per form, root seed {seed}; median [90% interval]", err=note)
    if fmt == "table":
        click.echo("")
        click.echo(format_table(table, width=TABLE_WIDTH))
        switched = switched_line(table)
        if switched:
            click.echo("\n" + textwrap.fill(switched, TABLE_WIDTH))
    elif fmt == "csv":
        click.echo(interval_csv(table), nl=False)
    else:
        click.echo(interval_json(table, scenario=sc.meta.name, overrides=list(overrides), replications=replications,
                                 root_seed=seed, not_applicable=result.not_applicable, out=str(out),
                                 tradeoff=answer.to_dict()))
    if fmt != "json":
        click.echo("\n" + fit(answer.lines()), err=note)
    for line in bought_land_notes(result.summary):
        click.echo("\n" + fit([line]), err=note)
    for form, reason in result.not_applicable.items():
        click.echo(f"\n{form}: not run — {reason}", err=note)
    click.echo(f"\nresults and figures written to {out}", err=note)


@cli.command()
def scenarios() -> None:
    """The bundled scenarios with a one-line description."""
    for name, path in sorted(bundled_scenarios().items()):
        sc = load_scenario(path)
        click.echo(f"{name:28s} {sc.meta.description}")


# --------------------------------------------------------------------------- sweeps and their analysis


@cli.command("sweep")
@click.argument("experiment", required=False)
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes (default: all cores; 1 = serial); with --scheduler local, the Dask workers. "
                   "Results do not depend on it.")
@scheduler_option
@out_option("Output folder (default: results/<experiment name>).")
@resume_option
@overwrite_option
@shard_size_option
@click.option("--quick", is_flag=True,
              help="Smoke-sized variant (under a minute on two cores): 1 replication, first/last levels of at most "
                   "4 grid factors, <=4 samples, 2 forms, 20 quarters; default folder results/<name>-quick.")
@yes_option
def sweep_command(experiment: str | None, workers: int | None, scheduler: str | None, out: Path | None, resume: bool,
                  overwrite: bool, shard_size: int, quick: bool = False, yes: bool = False) -> None:
    """Batch experiment: an experiment file's design x forms x replications (see experiments/). Without
    EXPERIMENT: the experiment files in experiments/."""
    from .batch.experiment import ExperimentError, bundled_experiments
    from .batch.sweep import SweepError, quick_experiment, sweep
    from .runner.text import cut

    if experiment is None:
        found = bundled_experiments()
        if not found:
            raise InputError("sweep needs EXPERIMENT, an experiment file (no experiments/ folder here to list)")
        click.echo("Usage: coalitionsim sweep EXPERIMENT [--quick] [--workers N] [--out DIR] ...\n")
        click.echo("Experiment files in experiments/:")
        for name, path in found.items():
            click.echo(cut(f"  {name:20s} {_experiment_description(path)}", TABLE_WIDTH))
        click.echo("\nTry one small: coalitionsim sweep experiments/quick.toml (or any file with --quick)")
        return

    try:
        with one_line_errors(ExperimentError, SweepError, DesignTooLarge):
            check = design_size_check(experiment, yes)
            if quick:
                experiment = quick_experiment(experiment)
            result = sweep(experiment, workers=workers, scheduler=scheduler, out=out, resume=resume,
                           overwrite=overwrite, shard_size=shard_size, echo=lambda msg: click.echo(msg, err=True),
                           size_check=check)
    except KeyboardInterrupt:
        click.echo("interrupted: finished runs are stored; continue with --resume", err=True)
        raise click.exceptions.Abort() from None
    click.echo(f"{result.done} of {result.planned} runs stored in {result.out} ({result.ran_now} now, "
               f"{result.seconds:.1f} s, {result.executor}); {result.failed} failed, "
               f"{result.not_applicable} not applicable")
    click.echo(f"next: coalitionsim analyze {result.out}")


def _experiment_description(path: Path) -> str:
    import tomllib

    try:
        return str(tomllib.loads(path.read_text(encoding="utf-8")).get("experiment", {}).get("description", ""))
    except (OSError, ValueError):
        return "(cannot read)"


@cli.command("analyze")
@click.argument("folder", type=click.Path(path_type=Path))
@out_option("Output folder (default: FOLDER/analysis).")
@overwrite_option
def analyze_command(folder: Path, out: Path | None, overwrite: bool) -> None:
    """Tables, main-effect figures and (morris/sobol) sensitivity indices of a sweep folder."""
    from .batch.sweep import SweepError
    from .reporting.analyze import analyze

    with one_line_errors(SweepError):
        analyze(folder, out=out, overwrite=overwrite, echo=click.echo)


@cli.command("report")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="HTML file to write (default: FOLDER/report.html).")
@click.option("--export", "export_dir", type=click.Path(path_type=Path), default=None, metavar="DIR",
              help="Also write every figure as PNG and SVG and every table as CSV into this folder.")
@click.option("--overwrite", is_flag=True,
              help="Replace an earlier coalitionsim report at --out and export at --export (never a file or folder "
                   "coalitionsim did not write).")
def report_command(folder: Path, out: Path | None, export_dir: Path | None, overwrite: bool) -> None:
    """A self-contained HTML report (figures, tables, parameters, seeds, versions) of a compare or sweep folder."""
    from .batch.sweep import SweepError
    from .reporting.report import ReportError, report

    with one_line_errors(ReportError, SweepError):
        path = report(folder, out=out, export_dir=export_dir, overwrite=overwrite,
                      echo=lambda msg: click.echo(msg, err=True), progress=True)
    click.echo(f"report written to {path}" + (f"; figures and tables exported to {export_dir}" if export_dir else ""))


@cli.command("levers")
@click.option("--fast", is_flag=True, help="The test suite's variant: 4 seeds instead of 5 (unless given), one form per parameter.")
@click.option("--seeds", type=click.IntRange(min=2, max=1000), default=None,
              help="Paired seeds per form (default 5; with --fast 4).")
@click.option("--horizon", type=click.IntRange(min=4, max=400), default=None,
              help="Quarters per run (default 64); a parameter's condition may ask for more.")
@click.option("--forms", default="tender,sok", show_default=True, metavar="FORM,...",
              help="Forms a parameter without a condition is screened under.")
@click.option("--only", multiple=True, metavar="PATH-PREFIX",
              help="Screen only parameters under this dotted prefix, e.g. instruments or tasks.3 (repeatable).")
@click.option("--out", type=click.Path(path_type=Path), default=None, metavar="FILE.csv",
              help="Also write the table as CSV.")
@overwrite_option
@workers_option
@root_seed_option
@scenario_argument
@set_option
def levers_command(fast: bool, seeds: int | None, horizon: int | None, forms: str, only: tuple[str, ...],
                   out: Path | None, overwrite: bool, workers: int | None, seed: int, scenario: str | None,
                   overrides: tuple[str, ...]) -> None:
    """The lever screen: each scenario parameter moved one at a time to a far but valid value, base and moved on
    the same seeds; per parameter its strongest effects (mean paired difference [90% interval]) or 'no effect'."""
    import time

    from .runner.levers import failures, format_screen, levers, screen, written_by_screen
    from .runner.store import check_out_file, claim, write_file

    sc = _scenario(scenario, overrides)
    form_list = tuple(f.strip() for f in forms.split(",") if f.strip())
    bad = [f for f in form_list if f not in FORMS]
    if bad or not form_list:
        raise InputError(f"--forms: {bad[0] if bad else '(empty)'} is not a form (allowed: {', '.join(FORMS)})"
                         + (did_you_mean(bad[0], FORMS) if bad else ""))
    paths = [lv.path for lv in levers(sc)]
    for prefix in only:
        p = prefix.rstrip(".")
        if not any(x == p or x.startswith(p + ".") for x in paths):
            raise InputError(f"--only {prefix}: no scenario parameter under this path (e.g. instruments, tasks.3)")
    if out is not None and out.suffix.lower() != ".csv":
        raise InputError(f"--out {out}: must be a .csv file")
    with one_line_errors(), (claim(out) if out is not None else contextlib.nullcontext()):
        if out is not None:  # before the screen: a file that cannot be used costs no minutes
            check_out_file(out, overwrite, ours=written_by_screen)
        start = time.perf_counter()
        table = screen(sc, seeds=seeds, horizon=horizon, forms=form_list, only=only, fast=fast, root_seed=seed,
                       workers=workers, progress=True)
        seconds = time.perf_counter() - start
        click.echo(format_screen(table))
        dead = failures(table)
        counts = table["status"].value_counts().to_dict()
        click.echo(f"\n{len(table)} parameters, {table.attrs['seeds']} seeds, {table.attrs['horizon']} quarters: "
                   + ", ".join(f"{n} {k}" for k, n in counts.items()) + f"; {seconds:.0f} s")
        if len(dead):
            click.echo("without effect: " + ", ".join(dead["path"]))
        if out is not None:
            write_file(out, lambda tmp: table.to_csv(tmp, index=False))
            click.echo(f"table written to {out}")


# --------------------------------------------------------------------------- the app and the advisor


@cli.command("robust")
@scenario_argument
@click.option("--worlds", type=click.IntRange(min=2, max=100000), default=100, show_default=True,
              help="Worlds sampled (Latin hypercube) from the assumptions' plausible ranges.")
@click.option("--seeds", type=click.IntRange(min=1, max=1000), default=4, show_default=True,
              help="Common seeds per form in every world.")
@click.option("--forms", default=",".join(FORMS), show_default=True, metavar="FORM,...", help="The forms to run.")
@workers_option
@scheduler_option
@root_seed_option
@out_option("Output folder (default: results/robust-<scenario>).")
@resume_option
@overwrite_option
@shard_size_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="The answer as text, or CSV (per criterion and form) / JSON on stdout for scripts.")
@set_option
def robust_command(scenario: str | None, worlds: int, seeds: int, forms: str, workers: int | None,
                   scheduler: str | None, seed: int, out: Path | None, resume: bool, overwrite: bool,
                   shard_size: int, fmt: str, overrides: tuple[str, ...]) -> None:
    """Every form across worlds sampled from the assumptions' ranges: who stays ahead, regret, what flips it."""
    import json

    from .batch.robust import RobustError, robust
    from .reporting.robust import FIGURE, robust_figure

    try:
        with one_line_errors(RobustError):
            result = robust(scenario, worlds=worlds, seeds=seeds, forms=[f.strip() for f in forms.split(",") if f.strip()],
                            root_seed=seed, overrides=list(overrides), workers=workers, scheduler=scheduler, out=out,
                            resume=resume, overwrite=overwrite, shard_size=shard_size,
                            echo=lambda msg: click.echo(msg, err=True))
    except KeyboardInterrupt:
        click.echo("interrupted: finished runs are stored; continue with --resume", err=True)
        raise click.exceptions.Abort() from None
    data = result.answer.to_dict()
    robust_figure(data, result.out / "figures" / f"{FIGURE}.png")
    if fmt == "csv":
        click.echo(result.answer.forms_table.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(json.dumps({"scenario": result.experiment.scenario_label, "out": str(result.out), **data},
                              indent=2, default=float))
    else:
        wrap = textwrap.TextWrapper(TABLE_WIDTH, subsequent_indent="      ", break_on_hyphens=False)
        click.echo("\n".join(wrap.fill(line) for line in result.answer.lines()))
    click.echo(f"results in {result.out} ({result.seconds:.1f} s, {result.executor}); "
               f"next: coalitionsim report {result.out}", err=fmt != "table")


@cli.command("app")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8765, show_default=True,
              help="Port to serve on (0: any free port).")
@click.option("--host", default="localhost", show_default=True, help="Host to listen on.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser window.")
def app_command(port: int, host: str, no_browser: bool) -> None:
    """The browser app: pick a scenario and a form, set the levers, step or play, compare two forms."""
    from .app import AppUnavailable, free_port, port_in_use, serve

    port = port or free_port()
    if port_in_use(host, port):
        raise InputError(f"--port {port}: already in use on {host}; start on another port with --port "
                         f"{free_port()} (or --port 0 for any free one)")
    click.echo(f"coalitionsim app on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    try:
        code = serve(host=host, port=port, open_browser=not no_browser)
    except AppUnavailable as err:
        raise click.ClickException(str(err)) from None
    if code:
        raise click.ClickException(f"the app server stopped with exit code {code}")


@cli.command("advise")
@scenario_argument
@click.option("--simulate", is_flag=True, help="Also run all five forms and check the tree against the simulation.")
@click.option("--explain", is_flag=True, help="Also show the full path through the tree, question by question.")
@replications_option
@workers_option
@root_seed_option
@set_option
def advise_command(scenario: str | None, simulate: bool, explain: bool, replications: int, workers: int | None,
                   seed: int, overrides: tuple[str, ...]) -> None:
    """The beslisboom (decision tree): which collaboration form fits this area, and why; optionally checked by
    simulation (--replications, --workers and --seed apply to --simulate)."""
    from .advise import advise, simulate_check

    sc = _scenario(scenario, overrides)
    with one_line_errors():
        advice = advise(sc)
    click.echo(advice.render(explain))
    if simulate:
        click.echo("")
        check = simulate_check(sc, advice, replications=replications, workers=workers, seed=seed,
                               progress=True)
        click.echo(fit(check.render().splitlines()))


@cli.command("fingerprint")
def fingerprint_command() -> None:
    """The model fingerprint: a 16-hex digest of the summaries of a fixed set of seeded runs (every form on
    the reference area and one case); it changes when the model's behaviour changes and not otherwise. The
    findings pages record it (docs/studies/README.md)."""
    from .runner.fingerprint import model_fingerprint

    click.echo(model_fingerprint(progress=True))


# --------------------------------------------------------------------------- the run summary


def _fmt_years(x: float, horizon: float) -> str:
    return f"not within {horizon:g} years" if x is None or math.isnan(x) else f"{x:.1f} years"


def _fmt_use_phase(s: dict) -> str:
    gap = s["use_phase_funding_gap"]
    if gap is None or math.isnan(gap):
        return "no completed home in use yet"
    return (f"{gap:.0%} of the services' cost unfunded (beheer en exploitatie; "
            f"{s['use_phase_dropouts']} owners stopped paying)")


def describe_run(s: dict, overrides: tuple[str, ...] = ()) -> str:
    """A readable summary of one run, in the policy vocabulary (and the ``--set`` overrides it was run with)."""
    horizon = s["param.simulation.horizon_quarters"] / 4
    changed = textwrap.wrap(overrides_line(overrides), TABLE_WIDTH, initial_indent="  ", subsequent_indent="    ")
    lines = [
        f"{s['scenario']} under {s['form']} (seed {s['seed']})",
        *changed,
        f"  homes completed        {s['homes_completed']} of {s['homes_planned']} planned ({s['realisation_share']:.0%})",
        f"  first agreement        {_fmt_years(s['years_to_agreement'], horizon)}",
        f"  first home             {_fmt_years(s['years_to_first_home'], horizon)}",
        f"  half of the homes      {_fmt_years(s['t50_years'], horizon)}",
        f"  free-riding index      {s['free_riding_index']:.2f} (free riders: {s['free_rider_share']:.0%} of owners)",
        f"  funding gap            {s['funding_gap_share']:.0%} of area-task cost not paid privately",
        f"  use phase              {_fmt_use_phase(s)}",
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
