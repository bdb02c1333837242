"""The runs layer: one run, replicated runs on recorded seeds, their result files, and their statistics.

``runs`` builds and runs models (serially or in local processes), ``store`` writes a run's or a
comparison's files, ``stats`` summarises replications (median and 90% interval, the verdict rule).
"""

from .runs import (CompareResult, RunResult, compare, process_context, process_pool, replication_seeds,
                   result_tables, run, run_jobs, run_model)

__all__ = ["CompareResult", "RunResult", "compare", "process_context", "process_pool", "replication_seeds",
           "result_tables", "run", "run_jobs", "run_model"]
