"""``python -m planning``: the command line (see planning/cli.py)."""

from __future__ import annotations

import sys

from planning.cli import main

if __name__ == "__main__":
    sys.exit(main())
