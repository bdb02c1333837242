"""The house: every module imports only from its own layer or the layers below it.

scenario < model < runner < batch < reporting < advise < app, cli; the package façade (``coalitionsim``
itself, ``__main__`` and the old ``coalitionsim.sweep`` path) sits on top. Imports are read from the source
with :mod:`ast`, so imports inside functions and under ``TYPE_CHECKING`` count too.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "coalitionsim"

LAYERS = ["scenario", "model", "runner", "batch", "reporting", "advise", "interfaces", "facade"]
# first component of the module path below coalitionsim -> layer
LAYER_OF = {
    "scenario": "scenario", "scenarios": "scenario",
    "model": "model",
    "runner": "runner",
    "batch": "batch",
    "reporting": "reporting",
    "advise": "advise",
    "app": "interfaces", "cli": "interfaces",
    "__init__": "facade", "__main__": "facade", "sweep": "facade",
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join([root.name, *parts])


def layer(module: str) -> str:
    parts = module.split(".")
    first = parts[1] if len(parts) > 1 else "__init__"
    if first not in LAYER_OF:
        raise AssertionError(f"{module}: no layer assigned; add its folder to LAYER_OF in tests/test_layers.py")
    return LAYER_OF[first]


def imported_modules(path: Path, root: Path, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) for every import of a module of the package in ``path``."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.append((node.lineno, sub if sub in known else target))
    return [(line, m) for line, m in out if m == root.name or m.startswith(root.name + ".")]


def violations(root: Path) -> list[str]:
    files = sorted(root.rglob("*.py"))
    known = {module_name(p, root) for p in files}
    found = []
    for path in files:
        here = module_name(path, root)
        for line, target in imported_modules(path, root, known):
            if LAYERS.index(layer(target)) > LAYERS.index(layer(here)):
                found.append(f"{path.relative_to(root.parent)}:{line}: {here} ({layer(here)}) imports {target} "
                             f"({layer(target)})")
    return found


def test_every_module_imports_only_from_its_layer_or_below():
    assert violations(PACKAGE) == []


def test_the_model_layer_imports_nothing_outside_it_but_the_scenario():
    files = sorted(PACKAGE.rglob("*.py"))
    known = {module_name(p, PACKAGE) for p in files}
    for path in (PACKAGE / "model").rglob("*.py"):
        for _line, target in imported_modules(path, PACKAGE, known):
            assert layer(target) in ("model", "scenario"), f"{path}: imports {target}"


@pytest.mark.parametrize("where, bad_import", [
    ("model/metrics.py", "from ..runner.stats import interval_table"),
    ("model/agents/developer.py", "    from ...reporting import tables"),  # inside a function: still counts
    ("model/area.py", "if TYPE_CHECKING:\n    from ..batch.sweep import sweep"),
    ("runner/runs.py", "import coalitionsim.advise"),
    ("scenario.py", "from .model import AreaDevelopmentModel"),
    ("reporting/report.py", "from ..advise import advise"),
    ("batch/sweep.py", "from coalitionsim import run"),
])
def test_a_deliberate_bad_import_is_caught(tmp_path, where, bad_import):
    """The checker itself: a copy of the package with one upward import fails it."""
    import shutil

    copy = tmp_path / "coalitionsim"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.toml"))
    target = copy / where
    body = "def later():\n" + textwrap.indent(bad_import.strip(), "    ") if bad_import.startswith("    ") else bad_import
    target.write_text(target.read_text(encoding="utf-8") + "\n" + body + "\n", encoding="utf-8")
    found = violations(copy)
    assert len(found) == 1 and where in found[0], found


def test_every_folder_has_a_layer():
    for path in PACKAGE.rglob("*.py"):
        layer(module_name(path, PACKAGE))


def test_the_old_sweep_import_path_is_the_same_module():
    import coalitionsim.batch.sweep as new
    import coalitionsim.sweep as old
    from coalitionsim.sweep import sweep

    assert old is new and sweep is new.sweep


def test_every_registered_form_is_in_the_input_contract_and_back():
    from coalitionsim import FORMS
    from coalitionsim.model.governance import load_all

    assert set(load_all()) == set(FORMS)
