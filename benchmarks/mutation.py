"""Mutation testing of the model layer in pieces, one module at a time, with the score per module (issue 32).

A full `mutmut run` of ``src/coalitionsim/model/`` takes hours on two cores. This runs it module by module
(each piece resumable: mutmut keeps every verdict in ``mutants/``), and prints after each piece, and with
``--status`` at any time, the counts per module and the score

    score = killed / (killed + survived + not covered)

where timeouts count as killed (and are shown apart), "not covered" are mutants no fast test reaches, and
the mutants listed in ``EQUIVALENT`` (no behaviour can tell them apart; each with its reason) leave the
denominator. Mutants not yet checked are shown as ``left``.

    pip install -e ".[mutation]"
    python benchmarks/mutation.py                 # every module, in order; Ctrl-C and rerun to resume
    python benchmarks/mutation.py area ledger     # only these modules
    python benchmarks/mutation.py --status        # the table so far, without running anything
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "src" / "coalitionsim" / "model"
LEFT_OUT = {"metrics.py", "streams.py", "__init__.py"}  # as [tool.mutmut] do_not_mutate says

# resolve levies a break fee only when break_terms found free_cash >= fee - 1e-9 (free_cash = balance - floor -
# committed, the committed construction instalments >= 0) and Ledger.transfer refuses only when balance - floor
# < fee - 1e-9, with no money moved between the two: the fee's transfer never fails
_LEVY_ALWAYS_PAID = ("paid is always True (the levy needs free_cash >= fee - 1e-9, free_cash <= balance - floor, "
                     "and the ledger refuses only below balance - floor < fee - 1e-9)")

# mutant name -> why no behaviour can tell it from the original (they leave the score's denominator)
EQUIVALENT: dict[str, str] = {
    "coalitionsim.model.verevening.xǁVereveningPoolǁclose_out__mutmut_3":
        "'balance <= 1e-9' -> '< 1e-9': differs only for a balance of exactly 1e-9 M€, the ledger's tolerance",
    "coalitionsim.model.verevening.xǁVereveningPoolǁclose_out__mutmut_14":
        "'v > 0' -> 'v >= 0': a payer whose levies total 0 would get a transfer of 0, which the ledger ignores "
        "(Ledger.transfer returns at amount <= 0); the ledger never keeps a zero total from a transfer",
    "coalitionsim.model.exits.x_resolve__mutmut_154":
        "'terms[1] if paid' -> 'if paid or True' in the levy's ask: " + _LEVY_ALWAYS_PAID,
    "coalitionsim.model.exits.x_resolve__mutmut_156":
        "'else 0.0' -> 'else 1.0' in the levy's ask: the branch is unreachable, " + _LEVY_ALWAYS_PAID,
}

# mutmut's exit codes (mutmut.stats.status_by_exit_code), folded into the score's categories; None: not yet
# checked; any other code (suspicious, skipped, segfault) is "other"
VERDICT: dict[int | None, str] = {
    None: "left",
    **dict.fromkeys((1, 3, 37), "killed"),
    **dict.fromkeys((36, 24, -24, 152, 255), "timeout"),
    0: "survived",
    **dict.fromkeys((5, 33), "not covered"),
}


def modules() -> list[str]:
    """The mutated modules as dotted names below ``coalitionsim.model``, in file order."""
    return sorted(".".join(p.relative_to(MODEL).with_suffix("").parts)
                  for p in MODEL.rglob("*.py") if p.name not in LEFT_OUT)


def verdicts() -> dict[str, Counter]:
    """Counts per module from mutmut's ``mutants/**.meta`` files (killed, timeout, survived, ...)."""
    table: dict[str, Counter] = {}
    base = ROOT / "mutants" / "src" / "coalitionsim" / "model"
    for meta in sorted(base.rglob("*.py.meta")):
        module = ".".join(meta.relative_to(base).with_suffix("").with_suffix("").parts)
        counts: Counter = Counter()
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            counts["equivalent" if name in EQUIVALENT else VERDICT.get(code, "other")] += 1
        table[module] = counts
    return table


def score(c: Counter) -> float | None:
    caught = c["killed"] + c["timeout"]
    checked = caught + c["survived"] + c["not covered"]
    return caught / checked if checked else None


def status_text(table: dict[str, Counter]) -> str:
    cols = ["killed", "timeout", "survived", "not covered", "equivalent", "left"]
    lines = [f"{'module':<24}" + "".join(f"{c:>12}" for c in cols) + f"{'score':>8}"]
    total: Counter = Counter()
    for module, c in table.items():
        total.update(c)
        s = score(c)
        lines.append(f"{module:<24}" + "".join(f"{c[k]:>12}" for k in cols) + (f"{s:>8.0%}" if s is not None else f"{'-':>8}"))
    s = score(total)
    lines.append(f"{'model layer':<24}" + "".join(f"{total[k]:>12}" for k in cols) + (f"{s:>8.0%}" if s is not None else f"{'-':>8}"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("modules", nargs="*", help=f"modules to run (default all): {', '.join(modules())}")
    ap.add_argument("--status", action="store_true", help="print the table so far and stop")
    ap.add_argument("--max-children", type=int, default=2)
    args = ap.parse_args(argv)
    unknown = sorted(set(args.modules) - set(modules()))
    if unknown:
        print(f"modules: {', '.join(unknown)} not in the model layer; allowed: {', '.join(modules())}", file=sys.stderr)
        return 2
    if not args.status:
        for module in args.modules or modules():
            start = time.perf_counter()
            pattern = f"coalitionsim.model.{module}.*"
            subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(args.max_children), pattern],
                           cwd=ROOT, check=False)
            c = verdicts().get(module, Counter())
            s = score(c)
            print(f"== {module}: {sum(c.values())} mutants, {c['left']} left, score "
                  f"{'-' if s is None else f'{s:.0%}'} ({time.perf_counter() - start:.0f} s)", flush=True)
    print(status_text(verdicts()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
