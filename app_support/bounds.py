"""Widget ranges read from the scenario model, so the UI cannot drift from the core."""

from __future__ import annotations

from dataclasses import dataclass

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel


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
    """Bounds and description of one field of a model."""
    info = model.model_fields[name]
    low: float | None = None
    high: float | None = None
    for item in info.metadata:
        if isinstance(item, Ge):
            low = float(item.ge)  # type: ignore[arg-type]
        elif isinstance(item, Gt):
            low = float(item.gt)  # type: ignore[arg-type]
        elif isinstance(item, Le):
            high = float(item.le)  # type: ignore[arg-type]
        elif isinstance(item, Lt):
            high = float(item.lt)  # type: ignore[arg-type]
    return Bounds(low, high, info.description or "")
