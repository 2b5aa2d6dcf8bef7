"""Cohort Planner's planning core: scenarios, seats, grants, fairness, simulation, plans.

Pure Python (numpy, pandas, scipy, pyyaml, pydantic): nothing here imports streamlit or
altair, so the core runs the same from the app, the command line and the tests.
"""

from __future__ import annotations

__version__ = "0.1.0"
