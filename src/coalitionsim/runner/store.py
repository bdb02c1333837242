"""Writing results: summary (CSV and Parquet), time series and projects (Parquet), manifest, figures.

Everything is first written into a hidden folder next to ``out`` and moved into place at the end, so an
interrupted or failed run never leaves a half-written output folder.
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

PACKAGES = ("coalitionsim", "mesa", "numpy", "pandas", "pyarrow", "matplotlib", "pydantic")


def versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Python and package versions (the core packages plus ``extra``) for a manifest."""
    out = {"python": platform.python_version()}
    for name in PACKAGES + tuple(extra):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


INVOKED_WITH: list[str] | None = None  # set by cli.main: the arguments of this command-line call


def command_line() -> str:
    """The command that produced a result: the CLI call (also when invoked as ``cli.main(argv)``), or a
    note that it came from the Python API."""
    if INVOKED_WITH is not None:
        return " ".join(["coalitionsim", *INVOKED_WITH])
    return "python API: " + " ".join(sys.argv) if sys.argv else "python API"


def manifest(kind: str, scenario: dict[str, Any], seeds: list[int], **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command_line(),
        "versions": versions(),
        "seeds": seeds,
        "scenario": scenario,
        **extra,
    }


def write_outputs(out: Path, summary: pd.DataFrame, timeseries: pd.DataFrame, projects: pd.DataFrame,
                  info: dict[str, Any], figures=None, ledger: pd.DataFrame | None = None,
                  events: pd.DataFrame | None = None) -> Path:
    """Write the files of design section 8 into ``out`` (replacing it); ``figures(folder)`` draws PNGs."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        summary.to_csv(tmp / "summary.csv", index=False)
        summary.to_parquet(tmp / "summary.parquet", index=False)
        timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
        projects.to_parquet(tmp / "projects.parquet", index=False)
        for name, table in (("ledger", ledger), ("events", events)):
            if table is not None:
                table.to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "manifest.json").write_text(json.dumps(info, indent=2, default=str))
        if figures is not None:
            figures(tmp / "figures")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
