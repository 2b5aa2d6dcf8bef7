"""The session's working scenario: what is loaded, what has been edited, what is saved.

One :class:`Working` lives in ``st.session_state["working"]``. Pages read
``working().scenario`` and replace it through :func:`set_scenario`; loading another
scenario or reverting clears the design widgets so they show the new values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import cached_property

import streamlit as st

from planning.scenario import Scenario, scenario_hash
from planning.store import Library, StoreError, Version

READ_ONLY_ENV = "COHORT_PLANNER_READ_ONLY"
DEFAULT_SCENARIO = "community_accelerator_2022"
WIDGET_PREFIXES = ("design.",)


@dataclass(frozen=True)
class Working:
    """The scenario being worked on and where it came from."""

    name: str
    version: int | None
    builtin: bool
    scenario: Scenario
    saved_hash: str
    shared: bool = False
    opened: Scenario | None = None

    @cached_property
    def dirty(self) -> bool:
        """True when the scenario differs from the version it was loaded from.

        Worked out once per Working (a replaced scenario is a new Working): pages read it
        several times a run, and each reading would hash the scenario again.
        """
        return scenario_hash(self.scenario) != self.saved_hash

    @property
    def label(self) -> str:
        """Name and version for headers: ``name v3``, ``name (built-in)``."""
        if self.shared:
            return f"{self.scenario.name} (shared link)"
        if self.builtin:
            return f"{self.name} (built-in)"
        return f"{self.name} v{self.version}"


def read_only_deployment() -> bool:
    """True when the server runs in read-only mode (COHORT_PLANNER_READ_ONLY=1)."""
    return os.environ.get(READ_ONLY_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def exec_view() -> bool:
    """True when this session only reads: a read-only server or an executive link."""
    return read_only_deployment() or bool(st.session_state.get("exec_view", False))


@st.cache_resource
def library() -> Library:
    """The scenario library (honours COHORT_PLANNER_LIBRARY)."""
    return Library()


def saved_when(version: Version) -> str | None:
    """When a version was saved, for people; None for a built-in, whose file time (a clone's
    or a checkout's) says nothing about the scenario."""
    return None if version.builtin else f"{version.saved_at:%Y-%m-%d %H:%M}"


def load(name: str, version: int | None = None) -> Working:
    """Load a library version into the session (and reset the design widgets)."""
    lib = library()
    scenario = lib.load(name, version)
    history = lib.history(name)
    number = version if version is not None else history[-1].number
    working = Working(
        name=name,
        version=number,
        builtin=lib.is_builtin(name),
        scenario=scenario,
        saved_hash=scenario_hash(scenario),
    )
    _install(working)
    return working


def open_shared(scenario: Scenario) -> Working:
    """Put a scenario carried by a link into the session."""
    working = Working(
        name="shared",
        version=None,
        builtin=False,
        scenario=scenario,
        saved_hash=scenario_hash(scenario),
        shared=True,
        opened=scenario,
    )
    _install(working)
    return working


def _install(working: Working) -> None:
    st.session_state["working"] = working
    reset_widgets()


def reset_widgets() -> None:
    """Forget the design widgets' values so they show the working scenario again."""
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(WIDGET_PREFIXES):
            del st.session_state[key]


def working() -> Working:
    """The session's working scenario, loading the default one on first use."""
    current = st.session_state.get("working")
    if isinstance(current, Working):
        return current
    try:
        return load(DEFAULT_SCENARIO)
    except StoreError:
        first = library().names()[0]
        return load(first)


def set_scenario(scenario: Scenario) -> None:
    """Replace the working scenario with an edited one (widgets keep their values)."""
    st.session_state["working"] = replace(working(), scenario=scenario)


def revert() -> None:
    """Go back to the version the working scenario was loaded from (or opened as)."""
    current = working()
    if current.shared:
        if current.opened is not None:
            _install(replace(current, scenario=current.opened))
        return
    load(current.name, current.version)
