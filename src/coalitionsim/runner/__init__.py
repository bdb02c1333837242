"""The runs layer: one run, replicated runs on recorded seeds, their result files, and their statistics.

``runs`` builds and runs models (serially or in local processes), ``store`` writes a run's or a
comparison's files, ``stats`` summarises replications (median and 90% interval, paired differences), ``tradeoff`` states the
answer (who is ahead beyond the spread, the Pareto set).
The names of ``runs`` are imported on first use, so ``runner.store`` and ``runner.stats`` can be used
without importing the model (the command line's ``--help`` stays fast).
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runs import (CompareResult, RunResult, compare, process_context, process_pool, replication_seeds,
                       result_tables, run, run_jobs, run_model)

__all__ = ["CompareResult", "RunResult", "compare", "process_context", "process_pool", "replication_seeds",
           "result_tables", "run", "run_jobs", "run_model"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import runs

        return getattr(runs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
