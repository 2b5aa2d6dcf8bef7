"""Write the scenario's JSON schema to schema/scenario.schema.json (for editors).

Run after changing planning/scenario.py: ``python tools/export_schema.py``. A test checks
the shipped file matches the model.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planning.scenario import json_schema  # noqa: E402

TARGET = ROOT / "schema" / "scenario.schema.json"


def render() -> str:
    """The schema as the shipped file holds it."""
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
