"""Writing results: the tables (Parquet, the summary also as CSV), the manifest, the figures.

The rules for an output folder (design section 8), shared by every command that writes one:

- An existing non-empty folder is never replaced unless ``overwrite`` is given, and ``overwrite``
  replaces only a folder whose ``manifest.json`` says coalitionsim wrote it and that holds nothing but
  coalitionsim's own files (:func:`foreign_files`); anything else is refused with one line
  (:class:`OutputError`).
- :func:`check_out` finds every problem that can be known in advance (a file where a folder should be,
  an unwritable place, the current folder, a folder that holds the input) without writing anything, so
  the commands call it before any run.
- :func:`output_folder` writes into a hidden folder next to ``out`` and moves it into place at the end:
  an interrupted or failed command never leaves a half-written output folder, and an overwritten one is
  only removed once its replacement is complete.
- Names that come from a scenario become one safe path component (:func:`safe_name`), so they never
  lead outside the results folder.
- One command at a time per output: :func:`claim` holds a lock file ``.<name>.lock`` next to the
  output (host, process id, command) from the check before the runs to the last file written; a
  second command on it is refused with one line naming the holder, and a lock whose process is gone
  (on this host) is taken over with a note.
- An operating-system error on output (a full disk, a name too long, no permission) is one line
  (:func:`os_reason`) and leaves nothing half-written: files are written next to their target and
  moved into place (:func:`write_file`), folders are staged (:func:`output_folder`).
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

PACKAGES = ("coalitionsim", "mesa", "numpy", "pandas", "pyarrow", "matplotlib", "pydantic")
MANIFEST = "manifest.json"
WRITTEN_BY = "coalitionsim"  # the manifest's "written_by": what --overwrite may replace
RESULTS = Path("results")  # default parent of the output folders
CSV_TABLES = ("summary",)  # tables also written as CSV
# files coalitionsim may add to any of its folders later (a report; temporary files of an interrupted write;
# the lock of a nested output such as analysis/ or report.html)
ALWAYS_OWN = (MANIFEST, "report.html", ".*.tmp", "*/.*.tmp", ".*.lock")
LOCK_SUFFIX = ".lock"
UNREADABLE_LOCK_SECONDS = 10.0  # a lock file without a readable record older than this is a crashed start
# the files of a folder kind whose manifest does not list them (sweeps grow shard by shard; older folders)
KIND_FILES = {
    "run": ("*.csv", "*.parquet", "figures/*.png"),
    "compare": ("*.csv", "*.parquet", "figures/*.png"),
    "sweep": ("design.parquet", "runs/part-*.parquet", "timeseries/part-*.parquet",
              "analysis/*.csv", "analysis/*.png",  # (analyses written before they had a manifest)
              "archetypes.csv", "figures/archetypes_map.png"),  # python -m coalitionsim.advise.archetypes
    "analysis": ("*.csv", "*.png"),
}


class OutputError(ValueError):
    """An output folder or file that cannot be used (exists, not writable, ...): one line for the user."""


# what a user can do about an operating-system error on output, by its errno
OS_HINTS = {
    errno.ENOSPC: "free some space or choose another place",
    errno.EDQUOT: "free some space or choose another place",
    errno.ENAMETOOLONG: "choose a shorter name",
    errno.EROFS: "choose a place on a writable disk",
    errno.EACCES: "choose a place you may write in",
    errno.EPERM: "choose a place you may write in",
}


def os_reason(err: OSError) -> str:
    """An operating-system error as a short reason with what to do, for a one-line message."""
    text = (err.strerror or str(err)).splitlines()[0] if (err.strerror or str(err)) else type(err).__name__
    hint = OS_HINTS.get(err.errno) if isinstance(err.errno, int) else None
    if hint is None and "No space left" in str(err):  # pyarrow's wording of ENOSPC
        hint = OS_HINTS[errno.ENOSPC]
    return f"{text}; {hint}" if hint else text


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


def provenance(kind: str, **extra: Any) -> dict[str, Any]:
    """The head of every manifest: what kind of folder, who wrote it, when, with which command and versions."""
    return {
        "kind": kind,
        "written_by": WRITTEN_BY,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command_line(),
        "versions": versions(),
        **extra,
    }


def manifest(kind: str, scenario: dict[str, Any], seeds: list[int], **extra: Any) -> dict[str, Any]:
    return provenance(kind, seeds=seeds, scenario=scenario, **extra)


# --------------------------------------------------------------------------- names and ownership


def safe_name(name: str, fallback: str = "scenario") -> str:
    """``name`` as one harmless path component: runs of other characters than letters, digits, '-', '_'
    and '.' become '_', leading dots go (no hidden folders, no '..'), at most 100 characters."""
    text = re.sub(r"[^\w.-]+", "_", str(name)).lstrip(".")[:100]
    return text if text.strip("._-") else fallback


def results_folder(name: str) -> Path:
    """The default output folder ``results/<name>`` for a name that may come from a scenario."""
    return RESULTS / safe_name(name)


def overrides_tag(overrides: list[str] | tuple[str, ...]) -> str:
    """'' without ``--set`` overrides, else '-' and 6 hex digits of a hash of what they set (each path's last
    value, paths sorted), so that a changed scenario gets its own default folder and the same changes the same."""
    if not overrides:
        return ""
    settings = {}
    for item in overrides:
        path, _, value = item.partition("=")
        settings[path.strip()] = value.strip()
    text = "\n".join(f"{k}={v}" for k, v in sorted(settings.items()))
    return "-" + hashlib.sha256(text.encode()).hexdigest()[:6]


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of ``folder`` as a dict; None when there is none or it is not a readable JSON object."""
    try:
        info = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def written_by_coalitionsim(info: dict[str, Any] | None) -> bool:
    """Whether a manifest says coalitionsim wrote its folder (older manifests: it records our version)."""
    if not isinstance(info, dict):
        return False
    versions_ = info.get("versions")
    return info.get("written_by") == WRITTEN_BY or (isinstance(versions_, dict) and "coalitionsim" in versions_)


def foreign_files(folder: Path, info: dict[str, Any]) -> list[str]:
    """Files in ``folder`` (relative paths) that its manifest does not account for: the files it lists
    (or, without a list, the files of its kind), a report, and nested coalitionsim folders (``analysis/``)
    with their own manifest."""
    listed = info.get("files")
    patterns = [*(listed if isinstance(listed, list) else KIND_FILES.get(str(info.get("kind")), ())), *ALWAYS_OWN]
    found = []
    for entry in sorted(Path(folder).iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            nested = read_manifest(entry)
            if written_by_coalitionsim(nested):
                found += [f"{entry.name}/{f}" for f in foreign_files(entry, nested)]
                continue
            files = [p.relative_to(folder).as_posix() for p in sorted(entry.rglob("*")) if not p.is_dir()]
            if not files and not any(fnmatch.fnmatch(entry.name + "/", p) for p in patterns):
                files = [entry.name + "/"]  # an empty folder we did not make
        else:
            files = [entry.name]
        found += [f for f in files if not any(fnmatch.fnmatch(f, p) for p in patterns)]
    return found


# --------------------------------------------------------------------------- checks before any work


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_writable(target: Path, where: str) -> None:
    """Raise :class:`OutputError` unless ``target`` (which may not exist yet) can be created or replaced:
    each of its names must fit the file system, and its nearest existing ancestor must be a folder we
    can write in (tried with a probe folder)."""
    full = _absolute(target)
    ancestor = full.parent
    while not _exists(ancestor):
        ancestor = ancestor.parent
    try:
        _fits(full, ancestor)
    except OSError as err:
        raise OutputError(f"{where}: cannot use this name ({os_reason(err)})") from None
    if not ancestor.is_dir():
        raise OutputError(f"{where}: {ancestor} is a file, not a folder")
    try:
        tempfile.TemporaryDirectory(prefix=".coalitionsim-probe-", dir=ancestor).cleanup()
    except OSError as err:
        raise OutputError(f"{where}: cannot write in {ancestor} ({os_reason(err)})") from None


def _exists(path: Path) -> bool:
    """Whether something (a symbolic link included) is at ``path``; False for a name too long to exist."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as err:
        if err.errno == errno.ENAMETOOLONG:
            return False
        raise
    return True


def _fits(full: Path, existing: Path) -> None:
    """OSError (ENAMETOOLONG) when a name of ``full`` below ``existing`` is longer than the file system allows."""
    try:
        limit = os.pathconf(existing, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    for part in full.relative_to(existing).parts:
        size = len(os.fsencode(part))
        if size > limit:
            raise OSError(errno.ENAMETOOLONG, f"{os.strerror(errno.ENAMETOOLONG)}: {size} bytes, at most {limit}")


def check_out(out: str | Path, overwrite: bool = False, option: str = "--out",
              inputs: Iterable[str | Path] = ()) -> Path:
    """Everything that can be known about an output folder before the work starts; returns it as a Path.

    Refused (one line): a path that is a file or a symbolic link; the current folder or a folder that
    contains it; a folder that holds one of ``inputs``; an existing non-empty folder without
    ``overwrite``; with ``overwrite``, a folder coalitionsim did not write or that holds other files; a
    place that cannot be written.
    """
    out = Path(out)
    where = f"{option} {out}"
    try:
        return _check_out(out, where, overwrite, inputs)
    except OSError as err:  # e.g. a name longer than the file system allows
        raise OutputError(f"{where}: cannot use this path ({os_reason(err)})") from None


def _check_out(out: Path, where: str, overwrite: bool, inputs: Iterable[str | Path]) -> Path:
    full = _absolute(out)
    if out.is_symlink():
        raise OutputError(f"{where}: is a symbolic link; give the folder itself")
    if _inside(Path.cwd(), full):
        raise OutputError(f"{where}: is the current folder or contains it; choose a new folder")
    for item in inputs:
        if _inside(_absolute(Path(item)), full):
            raise OutputError(f"{where}: holds the input {item}; choose another folder")
    if out.exists():
        if not out.is_dir():
            raise OutputError(f"{where}: exists and is not a folder")
        try:
            empty = not any(out.iterdir())
        except OSError as err:
            raise OutputError(f"{where}: cannot read the folder ({err.strerror or err})") from None
        if not empty:
            info = read_manifest(out)
            ours = written_by_coalitionsim(info)
            if not overwrite:
                if ours:
                    raise OutputError(f"{where}: already holds coalitionsim results ({info.get('kind')}, "
                                      f"{info.get('created', 'undated')}); pass --overwrite to replace them, "
                                      f"or choose another folder")
                raise OutputError(f"{where}: exists and is not empty, and coalitionsim did not write it; "
                                  f"choose a new or empty folder")
            if not ours:
                raise OutputError(f"{where}: --overwrite replaces only a folder coalitionsim wrote, and this one "
                                  f"has no coalitionsim {MANIFEST}; choose another folder")
            others = foreign_files(out, info)
            if others:
                more = f" and {len(others) - 1} more" if len(others) > 1 else ""
                raise OutputError(f"{where}: holds files coalitionsim did not write ({others[0]}{more}); "
                                  f"move them or choose another folder")
    check_writable(out, where)
    return out


def check_out_file(out: str | Path, overwrite: bool = False, option: str = "--out",
                   ours: Callable[[Path], bool] = lambda _p: False) -> Path:
    """The same rules for an output file: an existing file is replaced only with ``overwrite`` and only
    when ``ours(path)`` says coalitionsim wrote it."""
    out = Path(out)
    where = f"{option} {out}"
    try:
        return _check_out_file(out, where, overwrite, ours)
    except OSError as err:  # e.g. a name longer than the file system allows
        raise OutputError(f"{where}: cannot use this path ({os_reason(err)})") from None


def _check_out_file(out: Path, where: str, overwrite: bool, ours: Callable[[Path], bool]) -> Path:
    if out.is_symlink():
        raise OutputError(f"{where}: is a symbolic link; give the file itself")
    if out.exists():
        if out.is_dir():
            raise OutputError(f"{where}: is a folder; give a file name")
        if not overwrite:
            raise OutputError(f"{where}: exists; pass --overwrite to replace it, or choose another file")
        if not ours(out):
            raise OutputError(f"{where}: --overwrite replaces only a file coalitionsim wrote; choose another file")
    check_writable(out, where)
    return out


# --------------------------------------------------------------------------- writing, full or nothing


def _listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())


def _make_parents(folder: Path, where: str) -> list[Path]:
    """Create the missing ancestors of ``folder``; returns those created (deepest first)."""
    missing = []
    parent = folder.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{where}: cannot create {folder.parent} ({os_reason(err)})") from None
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first
        with contextlib.suppress(OSError):
            folder.rmdir()


@contextlib.contextmanager
def output_folder(out: str | Path, info: dict[str, Any] | None = None, overwrite: bool = False,
                  option: str = "--out", inputs: Iterable[str | Path] = ()) -> Iterator[Path]:
    """Stage an output folder: yields a hidden folder next to ``out`` to write into; when the block ends
    without an error, writes ``info`` as the manifest (with ``written_by`` and the list of ``files``) and
    moves the folder into place (replacing ``out`` only as :func:`check_out` allows). On an error nothing
    is left behind and ``out`` is as it was."""
    inputs = list(inputs)
    out = check_out(out, overwrite, option, inputs)  # again: the folder may have changed since the check
    where = f"{option} {out}"
    full = _absolute(out)
    created = _make_parents(full, where)
    try:
        tmp = _new_hidden_folder(full, "partial")
    except OSError as err:
        _remove_empty(created)
        raise OutputError(f"{where}: cannot write in {full.parent} ({os_reason(err)})") from None
    try:
        try:
            yield tmp
            if info is not None:
                files = sorted({*_listing(tmp), MANIFEST})
                (tmp / MANIFEST).write_text(json.dumps({**info, "written_by": WRITTEN_BY, "files": files},
                                                       indent=2, default=str), encoding="utf-8")
            _move_into_place(tmp, full)
        except OSError as err:
            raise OutputError(f"{where}: cannot write ({os_reason(err)})") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_empty(created)
        raise


def hidden_name(name: str, what: str) -> str:
    """The name ``.<name>.<what>`` of a file coalitionsim keeps next to ``name`` (a lock, a file being
    written); a long ``name`` is shortened (with a digest, so names stay distinct) to fit the file system."""
    if len(os.fsencode(f".{name}.{what}")) <= 200:
        return f".{name}.{what}"
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:12]
    return f".{os.fsdecode(os.fsencode(name)[:60]).rstrip(chr(0xFFFD))}-{digest}.{what}"


def _new_hidden_folder(full: Path, what: str) -> Path:
    """A new hidden folder ``.<name>.<what>-<random>`` next to ``full`` (the umask's usual mode)."""
    for _ in range(100):
        path = full.parent / hidden_name(full.name, f"{what}-{secrets.token_hex(4)}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free name for a {what} folder next to {full}")


def _move_into_place(tmp: Path, full: Path) -> None:
    if not full.exists():
        os.rename(tmp, full)
        return
    old = _new_hidden_folder(full, "old")
    os.rename(full, old / "folder")
    try:
        os.rename(tmp, full)
    except OSError:
        os.rename(old / "folder", full)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_outputs(out: str | Path, tables: dict[str, pd.DataFrame], info: dict[str, Any],
                  figures: Callable[[Path], Any] | None = None, overwrite: bool = False) -> Path:
    """Write the files of design section 8 into ``out``: every table as ``<name>.parquet`` (the summary also
    as CSV), ``manifest.json`` and, when ``figures`` is given, ``figures(folder / "figures")``'s PNGs.
    Full or nothing; an existing folder only as :func:`check_out` allows."""
    with output_folder(out, info, overwrite) as tmp:
        for name, frame in tables.items():
            if name in CSV_TABLES:
                frame.to_csv(tmp / f"{name}.csv", index=False)
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
        if figures is not None:
            figures(tmp / "figures")
    return Path(out)


def write_file(out: str | Path, write: Callable[[Path], Any], option: str = "--out") -> Path:
    """Write one file in full or not at all: ``write(tmp)`` writes a hidden file next to ``out``, which then
    replaces ``out`` in one step. On any error (a full disk: one line, :class:`OutputError`) the hidden file
    and the folders made for it are removed and ``out`` is as it was. Check ``out`` first
    (:func:`check_out_file`)."""
    out = Path(out)
    where = f"{option} {out}"
    full = _absolute(out)
    created = _make_parents(full, where)
    tmp = full.parent / hidden_name(full.name, f"partial-{secrets.token_hex(4)}")
    try:
        try:
            write(tmp)
            os.replace(tmp, full)
        except OSError as err:
            raise OutputError(f"{where}: cannot write ({os_reason(err)})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        _remove_empty(created)
        raise
    return out


# --------------------------------------------------------------------------- one command per output


# outputs claimed by this process, per thread, with how many claims are open (claims nest in one thread;
# another thread of the same process is refused like another process)
_HELD: dict[tuple[Path, int], int] = {}


def lock_path(target: str | Path) -> Path:
    """The lock file of an output: ``.<name>.lock`` next to it (so a new folder can be locked, and a
    finished one holds nothing extra)."""
    full = _absolute(Path(target))
    return full.parent / hidden_name(full.name, LOCK_SUFFIX.lstrip("."))


def read_lock(path: Path) -> dict[str, Any] | None:
    """The record in a lock file; None when there is none or it cannot be read as one."""
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and "pid" in info else None


def _alive(holder: dict[str, Any]) -> bool:
    """Whether the process that wrote a lock record may still run (on another host we cannot tell: yes)."""
    if holder.get("host") != socket.gethostname():
        return True
    try:
        pid = int(holder["pid"])
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # a process of another user has that id
    except (TypeError, ValueError):
        return False  # not a process id: not a lock any command wrote
    return True


def _holder_text(holder: dict[str, Any]) -> str:
    command = str(holder.get("command", ""))[:120]
    return (f"process {holder.get('pid')} on {holder.get('host')}, since {holder.get('since', '?')}"
            + (f": {command}" if command else ""))


def _acquire(lock: Path, record: dict[str, Any], where: str, note: Callable[[str], Any]) -> None:
    """Create ``lock`` holding ``record``; refuse (:class:`OutputError`) while another command holds it;
    take over a lock whose process has ended (on this host)."""
    for _ in range(20):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            holder = read_lock(lock)
            if holder is None:
                with contextlib.suppress(OSError):
                    if time.time() - lock.stat().st_mtime < UNREADABLE_LOCK_SECONDS:
                        time.sleep(0.05)  # another command is writing its record right now
                        continue
                holder = {"pid": "?", "host": "?"}
            elif _alive(holder):
                raise OutputError(f"{where}: in use by another coalitionsim command ({_holder_text(holder)}); "
                                  f"wait for it to end, or remove {lock} if it no longer runs") from None
            _take_over(lock, holder, note)
            continue
        except OSError as err:
            raise OutputError(f"{where}: cannot write in {lock.parent} ({os_reason(err)})") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(record))
        except OSError as err:
            with contextlib.suppress(OSError):
                lock.unlink()
            raise OutputError(f"{where}: cannot write in {lock.parent} ({os_reason(err)})") from None
        return
    raise OutputError(f"{where}: in use by another coalitionsim command (its lock {lock} keeps changing)")


def _take_over(lock: Path, holder: dict[str, Any], note: Callable[[str], Any]) -> None:
    """Remove a stale lock, unless another command replaced it meanwhile (then the next try sees that)."""
    aside = lock.with_name(f"{lock.name}.stale-{secrets.token_hex(4)}")
    try:
        os.rename(lock, aside)
    except FileNotFoundError:
        return
    if read_lock(aside) not in (holder, None):  # a live lock, written after we looked: put it back
        with contextlib.suppress(OSError):
            os.link(aside, lock)
        with contextlib.suppress(OSError):
            aside.unlink()
        return
    with contextlib.suppress(OSError):
        aside.unlink()
    note(f"note: took over {lock.name} from {_holder_text(holder)}, which no longer runs")


@contextlib.contextmanager
def claim(target: str | Path, option: str = "--out",
          note: Callable[[str], Any] = lambda msg: print(msg, file=sys.stderr)) -> Iterator[Path]:
    """Hold the lock of an output (folder or file) for the time of a command: from the check before the
    runs to the last file written. Refused with one line (:class:`OutputError`) while another process
    holds it; a lock left by a process that no longer runs on this host is taken over with a ``note``.
    Claims of one process nest. Checks first that the place can be written at all
    (:func:`check_writable`); folders made for the lock are removed again when nothing was written."""
    full = _absolute(Path(target))
    key = (full, threading.get_ident())
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield Path(target)
        finally:
            _HELD[key] -= 1
        return
    where = f"{option} {target}"
    check_writable(Path(target), where)
    created = _make_parents(full, where)
    lock = lock_path(full)
    token = secrets.token_hex(8)
    record = {"host": socket.gethostname(), "pid": os.getpid(), "token": token, "command": command_line(),
              "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    try:
        _acquire(lock, record, where, note)
    except BaseException:
        _remove_empty(created)
        raise
    _HELD[key] = 1
    try:
        yield Path(target)
    finally:
        del _HELD[key]
        if (read_lock(lock) or {}).get("token") == token:
            with contextlib.suppress(OSError):
                lock.unlink()
        _remove_empty(created)
