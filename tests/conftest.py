"""Shared fixtures: where things live, and a small valid scenario to edit in tests."""

from __future__ import annotations

import copy
import random
import string
from pathlib import Path
from typing import Any

import pytest
import streamlit.testing.v1.app_test as app_test_module

from .apptest_support import ServerPagesManager

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BUILTIN_FILES = sorted(SCENARIOS.glob("*.yaml"))

# A small scenario every cross-field rule passes on: 4 real countries on 2 tracks, 20 seats,
# 5 months, fixed costs of 1,000 a month (5,000 in all) well inside a 1,000,000 budget.
# Tests copy it and make one change, so each bad scenario is one edit away from a good one.
_VALID_SCENARIO: dict[str, Any] = {
    "schema_version": 1,
    "kind": "accelerator",
    "name": "Test accelerator",
    "description": "A small scenario for tests.",
    "currency": "USD",
    "start_month": "2024-01",
    "phases": [{"name": "training", "months": 2}, {"name": "execution", "months": 3}],
    "tracks": [
        {"code": "en", "name": "English", "language": "en"},
        {"code": "es", "name": "Spanish", "language": "es"},
    ],
    "regions": [
        {"code": "US", "track": "en"},
        {"code": "GB", "track": "en"},
        {"code": "MX", "track": "es"},
        {"code": "AR", "track": "es"},
    ],
    "eligibility": {"leader_min_age": 18, "community_min_age_months": 12},
    "cohort": {
        "seats": 20,
        "method": "hamilton",
        "weight_basis": "internet_users",
        "expected_applicants": 200,
    },
    "budget": {
        "total": 1_000_000,
        "grant_cap": 50_000,
        "participant_costs": {"training": 100},
        "fixed_costs_per_month": 1_000,
        "disbursement": [
            {"phase": "training", "at": 0.0, "share": 0.5},
            {"phase": "execution", "at": 0.5, "share": 0.5},
        ],
    },
    "simulation": {"draws": 1_000, "seed": 1},
}


@pytest.fixture
def valid_dict() -> dict[str, Any]:
    """A fresh deep copy of a small valid scenario, as the plain data a YAML file gives."""
    return copy.deepcopy(_VALID_SCENARIO)


@pytest.fixture
def oversized_dict(valid_dict: dict[str, Any]) -> dict[str, Any]:
    """A valid scenario too large to travel in a share link: every reference country with
    full data, each under a 120-character name of random letters (which do not compress)."""
    from planning import reference

    countries = reference.countries()
    complete = countries[countries["population"].notna() & countries["internet_users_pct"].notna()]
    letters = random.Random(20261121)
    valid_dict["regions"] = [
        {
            "code": code,
            "track": "en",
            "name": "".join(letters.choice(string.ascii_letters) for _ in range(120)),
        }
        for code in complete.index
    ]
    valid_dict["cohort"]["seats"] = 400
    valid_dict["cohort"]["expected_applicants"] = 4_000
    return valid_dict


@pytest.fixture(autouse=True)
def _app_test_as_on_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_test_module, "PagesManager", ServerPagesManager)
