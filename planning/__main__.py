"""``python -m planning``: the command line (see planning/cli.py)."""

from __future__ import annotations

import signal
import sys

from planning.cli import main

if __name__ == "__main__":
    # Piped into `head`, stop quietly like any Unix tool instead of raising BrokenPipeError.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
