"""Progress for everything that takes more than a few seconds: a tqdm bar on a terminal, and in a log (stderr
redirected to a file or a pipe) an occasional plain line instead of bar fragments.

``progress_bar(total, label)`` returns an object with tqdm's small interface (``update``, ``set_postfix_str``,
``close``, ``n``). On a terminal it is a tqdm bar that clears itself when done. Elsewhere it writes one line
``label: 40 of 120 runs (33%), 61 s`` at most every :data:`LOG_SECONDS` and a last line when it closes, if it
wrote any before: a command that finishes within the interval leaves no progress lines in its log.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm

LOG_SECONDS = 30.0  # at most one progress line per this many seconds in a log


class LogLines:
    """tqdm's interface as occasional plain lines (see the module docstring)."""

    def __init__(self, total: int | None, desc: str, unit: str = "run", initial: int = 0, file: TextIO | None = None):
        self.total, self.desc, self.unit, self.n = total, desc, unit, initial
        self.file = file
        self.start = self.last = time.monotonic()
        self.postfix = ""
        self.lines = 0
        self.closed = False

    def update(self, n: int = 1) -> None:
        self.n += n
        if time.monotonic() - self.last >= LOG_SECONDS:
            self.write()

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        self.postfix = text

    def write(self) -> None:
        count = f"{self.n} of {self.total}" if self.total else f"{self.n}"
        share = f" ({self.n / self.total:.0%})" if self.total else ""
        extra = f"; {self.postfix}" if self.postfix else ""
        unit = self.unit if (self.total or self.n) == 1 else f"{self.unit}s"
        print(f"{self.desc}: {count} {unit}{share}, {time.monotonic() - self.start:.0f} s{extra}",
              file=self.file or sys.stderr, flush=True)
        self.last = time.monotonic()
        self.lines += 1

    def close(self) -> None:
        if not self.closed and self.lines:
            self.write()
        self.closed = True


def progress_bar(total: int | None, desc: str, unit: str = "run", enabled: bool = True, initial: int = 0,
                 file: TextIO | None = None) -> tqdm | LogLines:
    """A tqdm bar on a terminal, occasional plain lines in a log, nothing when not ``enabled``."""
    file = file or sys.stderr
    if enabled and file.isatty():
        return tqdm(total=total, desc=desc, unit=unit, initial=initial, leave=False, dynamic_ncols=True, file=file)
    if enabled:
        return LogLines(total, desc, unit, initial, file)
    return tqdm(total=total, disable=True)
