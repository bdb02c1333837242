"""The reporting layer: text tables, figures, the analysis of a sweep (main effects, Morris, Sobol) and the
self-contained HTML report."""
