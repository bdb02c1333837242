"""The full lever screen (issue 13): every scenario parameter moved one at a time, 5 paired seeds, 64
quarters, tender and sok (conditional parameters under their condition); prints the table and the wall time.

    PYTHONPATH=src python benchmarks/levers.py [--seeds 5] [--horizon 64] [--workers 2] [--out levers.csv]
    PYTHONPATH=src python benchmarks/levers.py --odd-table   # the declared conditions, docs/ODD.md §6.5
"""

from __future__ import annotations

import argparse
import time

from coalitionsim.runner.levers import FULL, conditions_table, failures, format_screen, screen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=FULL["seeds"])
    ap.add_argument("--horizon", type=int, default=FULL["horizon"])
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--out", default=None, help="also write the table as CSV")
    ap.add_argument("--odd-table", action="store_true",
                    help="print the table of declared conditions for docs/ODD.md §6.5 and stop")
    args = ap.parse_args()
    if args.odd_table:
        print(conditions_table())
        return
    start = time.perf_counter()
    table = screen(seeds=args.seeds, horizon=args.horizon, workers=args.workers, progress=True)
    seconds = time.perf_counter() - start
    print(format_screen(table, width=400))
    counts = table["status"].value_counts().to_dict()
    print(f"\n{len(table)} parameters, {args.seeds} seeds, {args.horizon} quarters: "
          + ", ".join(f"{n} {k}" for k, n in counts.items()) + f"; wall time {seconds:.0f} s")
    dead = failures(table)
    if len(dead):
        print("without effect: " + ", ".join(dead["path"]))
    if args.out:
        table.to_csv(args.out, index=False)
        import pickle

        with open(args.out + ".diffs.pkl", "wb") as fh:  # the paired differences by seed, for re-analysis
            pickle.dump(table.attrs["diffs"], fh)


if __name__ == "__main__":
    main()
