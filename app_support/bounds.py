"""Widget ranges read from the scenario model, so the UI cannot drift from the core.

The core reads the schema's bounds (planning.sensitivity.model_field_bounds); this adds
the field's description, for the widget's help text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pydantic import BaseModel

from planning.sensitivity import model_field_bounds


@dataclass(frozen=True)
class Bounds:
    """The smallest and largest value a field accepts (None: unbounded on that side)."""

    low: float | None
    high: float | None
    description: str

    def clamp(self, value: float) -> float:
        """Value held within the bounds."""
        if self.low is not None:
            value = max(value, self.low)
        if self.high is not None:
            value = min(value, self.high)
        return value


def field_bounds(model: type[BaseModel], name: str) -> Bounds:
    """Bounds and description of one numeric field of a model."""
    limits = model_field_bounds(model, name)
    return Bounds(
        None if math.isinf(limits.low) else limits.low,
        None if math.isinf(limits.high) else limits.high,
        model.model_fields[name].description or "",
    )
