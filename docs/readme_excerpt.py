"""Regenerate the README's compare excerpt from a real run (run it after any model change).

    python docs/readme_excerpt.py          # or, with every other page: python docs/studies/regenerate.py

``docs/studies/regenerate.py --only readme`` calls it and then stamps the README with the model
fingerprint (``<!-- stamp -->`` marker below the excerpt; tests/test_fingerprint.py checks it).

It runs ``coalitionsim compare --replications 3`` into a temporary folder and replaces the text between
the ``<!-- compare-excerpt -->`` markers in README.md with the first blocks of the printed table and the
closing trade-off answer (``coalitionsim.runner.tradeoff``: who is ahead beyond the run-to-run spread, the
Pareto set), whole.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def main(env: dict[str, str] | None = None) -> None:
    """Run the compare (in a subprocess with environment ``env``, default this one) and rewrite the excerpt."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, "-m", "coalitionsim", "compare", "--replications", "3", "--out",
                              f"{tmp}/x"], capture_output=True, text=True, check=True, env=env).stdout
    blocks = out.replace(f"{tmp}/x", "/tmp/x").split("\n\n")
    head, first, second = blocks[0], blocks[1], blocks[2]
    second = "\n".join(line[:36].rstrip() + ("  …" if i != 1 else "") for i, line in enumerate(second.splitlines()))
    answer = next(b for b in blocks if b.startswith("The answer as a trade-off"))
    text = "\n\n".join([head, first, second, "…", answer, "results and figures written to /tmp/x"])
    readme = README.read_text(encoding="utf-8")
    new = re.sub(r"(<!-- compare-excerpt -->\n```text\n).*?(\n```\n<!-- /compare-excerpt -->)",
                 lambda m: m.group(1) + text + m.group(2), readme, flags=re.S)
    if new == readme and "<!-- compare-excerpt -->" not in readme:
        raise SystemExit("README.md has no <!-- compare-excerpt --> markers")
    README.write_text(new, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
