"""Running the command line in tests: in process (fast) or as a user does (subprocess)."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from planning.cli import main

from .conftest import ROOT


def run(*argv: str) -> tuple[int, str, str]:
    """``main(argv)`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def run_module(*argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m planning ...`` in a fresh interpreter, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "planning", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=os.environ.copy(),
    )
