"""The planning core never pulls in the UI libraries (STYLE.md, rule 1)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

from .conftest import ROOT

PLANNING = ROOT / "planning"
UI_LIBRARIES = ("streamlit", "altair")

# Imports planning and every module under it, then reports which UI libraries got loaded.
_PROBE = """
import json, pkgutil, importlib, sys
import planning
names = sorted(m.name for m in pkgutil.walk_packages(planning.__path__, "planning."))
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "loaded": [m for m in %r if m in sys.modules]}))
"""


def test_importing_the_core_loads_no_ui_library() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE % (UI_LIBRARIES,)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # The probe really walked the package: the modules every plan needs are among them.
    assert {"planning.scenario", "planning.regions", "planning.cli"} <= set(report["modules"])
    assert report["loaded"] == []


def test_no_file_in_the_core_imports_a_ui_library() -> None:
    files = sorted(PLANNING.rglob("*.py"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        for library in UI_LIBRARIES:
            assert f"import {library}" not in text, f"{path} imports {library}"
        # The syntax tree catches the forms a text search misses ("from streamlit import x",
        # "import os, streamlit").
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            assert not set(roots) & set(UI_LIBRARIES), f"{path}:{node.lineno} imports {roots}"
