"""Bit-identity check for speed work: dump every table of some runs, then compare two dumps exactly.

    python benchmarks/identical.py dump OUT_DIR [--scenarios reference strijp_s rijnhuizen] [--seeds 1 2 3]
    python benchmarks/identical.py diff DIR_A DIR_B

``dump`` runs every form of each scenario for each seed and writes the summary, the time series (step table),
the projects, the ledger and the event log as Parquet (one file per table). ``diff`` compares two dumps cell by
cell with no tolerance (floats by their bits, NaN equal to NaN) and exits 1 on the first table that differs,
naming it and the first differing rows. Run ``dump`` once from the code before a change (e.g. a checkout of
main, ``PYTHONPATH=that/src``) and once after.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from coalitionsim import FORMS, load_scenario
from coalitionsim.runner.runs import TABLES, result_tables, run_model

SCENARIOS = ["reference", "strijp_s", "rijnhuizen"]


def dump(out: Path, scenarios: list[str], seeds: list[int]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for name in scenarios:
        scenario = load_scenario(None if name == "reference" else name)
        for form in FORMS:
            for seed in seeds:
                r = run_model(scenario, form, seed)
                for frame in (r.timeseries, r.ledger, r.events, r.projects):
                    frame.insert(0, "_run", f"{name}/{form}/{seed}")
                r.summary = {"_run": f"{name}/{form}/{seed}", **r.summary}
                results.append(r)
    for table, frame in result_tables(results).items():
        frame.to_parquet(out / f"{table}.parquet")
    print(f"{len(results)} runs -> {out}")


def same(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    """None if identical to the bit, else a short description of the first difference."""
    if list(a.columns) != list(b.columns):
        return f"columns differ: {sorted(set(a.columns) ^ set(b.columns))}"
    if len(a) != len(b):
        return f"{len(a)} rows against {len(b)}"
    for col in a.columns:
        x, y = a[col], b[col]
        if x.dtype.kind == "f" and y.dtype.kind == "f":
            eq = (x.to_numpy().view("u8") == y.to_numpy().view("u8"))
        else:
            eq = (x.astype(object).fillna("<NA>") == y.astype(object).fillna("<NA>")).to_numpy()
        if not eq.all():
            i = int((~eq).argmax())
            run = a["_run"].iloc[i] if "_run" in a else "?"
            return f"column {col!r}, row {i} ({run}): {x.iloc[i]!r} against {y.iloc[i]!r}"
    return None


def diff(a: Path, b: Path) -> int:
    bad = 0
    for table in TABLES:
        fa, fb = pd.read_parquet(a / f"{table}.parquet"), pd.read_parquet(b / f"{table}.parquet")
        why = same(fa, fb)
        print(f"{table:<11} {len(fa):>8} rows  {'identical' if why is None else 'DIFFERS: ' + why}")
        bad += why is not None
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--scenarios", nargs="+", default=SCENARIOS)
    d.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    c = sub.add_parser("diff")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.cmd == "dump":
        dump(args.out, args.scenarios, args.seeds)
    else:
        sys.exit(diff(args.a, args.b))


if __name__ == "__main__":
    main()
