"""The defaults every interface shares (command line, Python API, advisor): one place, no heavy imports."""

REPLICATIONS = 20  # seeded replications per form (compare, advise --simulate)
ROOT_SEED = 20261123  # the root seed the replication seeds are spawned from
