"""The batch layer: experiment files (TOML designs over scenario values), sweeps on local processes or Dask
with Parquet shards that survive a kill, and the EMA Workbench connector."""
