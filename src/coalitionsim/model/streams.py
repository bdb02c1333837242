"""Independent random streams: one per random process, so that forms compared on one seed face one world.

Every process that draws random numbers (the market, the set-up of owners and residents, objections and
appeals, negotiation, the council cycle, votes, ...) has its own generator, spawned from the run's
``numpy.random.SeedSequence`` in the fixed order of :data:`PROCESSES`. A draw in one process never shifts
another: the market path is the same under every governance form, and two scenarios that differ only in
a governance lever see the same prices and costs.

Where a process draws per entity (a plot, a resident group, a procedure), :meth:`Streams.keyed` gives that
entity a stream of its own, keyed by integers (``SeedSequence(seed, spawn_key=(process, *key))``), so a
form that runs more procedures on one plot does not shift the draws of another plot.

Mesa's own ``model.random`` stays the stream for Mesa's scheduling; nothing in the model draws from it.
New processes are appended at the end of :data:`PROCESSES`, so existing streams keep their values.
"""

from __future__ import annotations

import zlib

import numpy as np

PROCESSES: tuple[str, ...] = (
    "market",        # price and cost random walks
    "setup",         # allocation of plots, existing-use values, passive owners, free riders, residents
    "objections",    # zienswijzen, bezwaar and beroep, keyed per procedure
    "negotiation",   # initial premiums, keyed per party; the steering group's decisions
    "council",       # elections and the new council's ambitions
    "votes",         # BIZ/GIZ turnout, keyed per vote and voter
    "land_market",   # bids, asks and the choice of candidate buyers
    "behaviour",     # contribution types and other behavioural draws made during a run
    "acquisition",   # which owners refuse to sell at any price, keyed per owner
)


POOL_SIZE = 4  # numpy's SeedSequence pool, in 32-bit words


def words_of(n: int) -> tuple[int, ...]:
    """A non-negative integer as numpy's ``SeedSequence`` reads it: 32-bit words, least significant first
    (0 is one word)."""
    if n < 1 << 32:
        return (n,)
    words = []
    while n > 0:
        words.append(n & 0xFFFFFFFF)
        n >>= 32
    return tuple(words)


def key_of(value: int | str) -> int:
    """A stable non-negative integer for a key part (names hash with CRC-32, not Python's salted hash)."""
    if isinstance(value, str):
        return zlib.crc32(value.encode("utf-8"))
    if value < 0:
        raise ValueError(f"stream keys must be non-negative, got {value}")
    return int(value)


class Streams:
    """The random generators of one run, all derived from its integer seed."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        # the words a keyed stream's SeedSequence mixes in before its key: the seed's, filled out with zeros to
        # the pool size (as numpy does for a SeedSequence with a spawn key)
        run = words_of(self.seed)
        self._run_words = run + (0,) * (POOL_SIZE - len(run))
        children = np.random.SeedSequence(self.seed).spawn(len(PROCESSES))
        self._process = {name: np.random.Generator(np.random.PCG64(ss)) for name, ss in zip(PROCESSES, children)}

    def __getitem__(self, process: str) -> np.random.Generator:
        """The process's own sequential stream."""
        return self._process[process]

    def keyed(self, process: str, *key: int | str) -> np.random.Generator:
        """The stream of one entity of a process, from its start: the same key always gives the same
        draws (a caller that draws from it again and again keeps the generator)."""
        if not key:
            raise ValueError("a keyed stream needs at least one key (the process stream is streams[process])")
        # SeedSequence(seed, spawn_key=(process index, *keys)) mixes the words of seed and key into its pool; the
        # same words given as its entropy give the same pool, hence the same stream, at a quarter of the cost
        # (numpy converts each part of a spawn key into an array of its own: ~9 µs against ~2.5 µs; a land
        # market draws ~400 keyed streams a run)
        entropy = [*self._run_words, PROCESSES.index(process)]
        for k in key:
            entropy.extend(words_of(key_of(k)))
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(np.array(entropy, dtype=np.uint32))))
