"""The layering rule of docs/design.md, enforced: import-linter's contracts in pyproject.toml.

``make lint`` runs the same check; running it here makes every ``make test`` hold the package to it.
The second test proves the check has teeth: the same contracts, run on a copy of the package with
one upward import added — deferred into a function, which must not hide it — are broken.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())",
        "--no-cache"]


def _lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run(LINT, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_imports_keep_every_contract() -> None:
    done = _lint(ROOT, ROOT / "src")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("core/vocab.py", "def _up() -> None:\n    from ..graph import store  # noqa\n", "pipeline flows one way"),
    ("shacl/engine.py", "from ..query import sparql  # noqa\n", "SHACL engine is standalone"),
    ("server/services.py", "from .web import pages  # noqa\n", "routes and pages are leaves"),
    ("server/routes/api.py", "from . import sparql  # noqa\n", "do not import each other"),
])
def test_a_violating_import_breaks_the_build(tmp_path: Path, module: str, line: str, contract: str) -> None:
    shutil.copytree(ROOT / "src" / "emskg", tmp_path / "src" / "emskg",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "src" / "emskg" / module
    target.write_text(target.read_text() + "\n\n" + line)
    done = _lint(tmp_path, tmp_path / "src")
    assert done.returncode != 0
    text = " ".join(done.stdout.split())  # contract names wrap with the terminal width
    verdict = re.search(re.escape(contract) + r".*? (KEPT|BROKEN)", text)
    assert verdict is not None and verdict.group(1) == "BROKEN", done.stdout
