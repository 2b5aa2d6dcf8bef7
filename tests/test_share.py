"""Share links (app_support/share.py) and widget bounds (app_support/bounds.py).

Both modules are pure Python, so they are tested directly, without a running app.
Share links: every built-in scenario survives the trip through a link, and every kind of
damaged link is refused with a ShareError that says what is wrong, without inflating a
compressed bomb. Bounds: every number widget on the Design page takes its range from a
field of the scenario model; the range is checked against the model itself by validating
the section with values at the bounds (accepted) and just outside them (refused).
"""

from __future__ import annotations

import ast
import base64
import json
import math
import tracemalloc
import zlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from app_support.bounds import field_bounds
from app_support.share import (
    MAX_JSON_BYTES,
    MAX_PAYLOAD_CHARS,
    ShareError,
    ShareRequest,
    app_root,
    decode_scenario,
    encode_scenario,
    parse_request,
    share_query,
)
from planning import scenario as scenario_module
from planning.scenario import (
    load_scenario,
    replace,
    scenario_from_dict,
    scenario_hash,
    scenario_to_dict,
)

from .conftest import BUILTIN_FILES, ROOT

DESIGN_PAGE = ROOT / "pages" / "design.py"
BUILTINS = {path.stem: load_scenario(path) for path in BUILTIN_FILES}
ACCELERATOR = BUILTINS["community_accelerator_2022"]
ROADSHOW = BUILTINS["community_boost_2018"]


def _pack(raw: bytes) -> str:
    """Bytes packed the way a link carries them (zlib, then unpadded base64url)."""
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")


# --- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_every_builtin_survives_a_link(name: str) -> None:
    scenario = BUILTINS[name]
    payload = encode_scenario(scenario)
    assert len(payload) <= MAX_PAYLOAD_CHARS
    # URL-safe: nothing a browser would escape or a chat client would break a link on.
    assert set(payload) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    decoded = decode_scenario(payload)
    assert decoded == scenario
    assert scenario_hash(decoded) == scenario_hash(scenario)


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_a_share_query_opens_the_same_scenario(name: str) -> None:
    scenario = BUILTINS[name]
    query = share_query(scenario=scenario)
    # Read the query back the way a browser hands it over: percent-decoded, one value each.
    params = {key: values[0] for key, values in parse_qs(urlsplit(query).query).items()}
    request = parse_request(params)
    assert request.view == "exec"
    assert request.name is None
    assert request.payload is not None
    assert decode_scenario(request.payload) == scenario


def test_a_saved_version_link_names_it() -> None:
    query = share_query(name="community_accelerator_2020", version=3)
    params = {key: values[0] for key, values in parse_qs(urlsplit(query).query).items()}
    assert params == {"scenario": "community_accelerator_2020", "version": "3", "view": "exec"}
    assert parse_request(params) == ShareRequest(
        name="community_accelerator_2020", version=3, payload=None, view="exec"
    )


_edits = st.fixed_dictionaries(
    {
        "name": st.text(
            alphabet=st.characters(categories=("L", "N", "Zs", "P")), min_size=1, max_size=60
        ).filter(lambda text: text.strip() != ""),
        "description": st.text(max_size=200),
        "cohort.seats": st.integers(min_value=60, max_value=400),
        "cohort.weight_exponent": st.floats(min_value=0.0, max_value=1.0),
        "budget.contingency_share": st.floats(min_value=0.0, max_value=0.2),
        "simulation.seed": st.integers(min_value=0, max_value=2**32 - 1),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=_edits)
def test_edited_scenarios_survive_a_link(edits: dict[str, Any]) -> None:
    # Seats from 60 keep the 2022 edition's floors (24 regions, 1 seat each) satisfied, and
    # a contingency up to 20% of USD 3.2M leaves its fixed costs covered.
    scenario = replace(ACCELERATOR, edits)
    decoded = decode_scenario(encode_scenario(scenario))
    assert decoded == scenario
    assert scenario_hash(decoded) == scenario_hash(scenario)


# --- damaged links ---------------------------------------------------------------------------


def _refusal(payload: str) -> str:
    with pytest.raises(ShareError) as caught:
        decode_scenario(payload)
    message = str(caught.value)
    assert message, "a refusal must say why"
    return message


def test_bad_base64_is_refused() -> None:
    # Five characters cannot be base64 of anything: four characters carry three bytes.
    assert "damaged" in _refusal("abcde")


def test_base64_of_something_not_compressed_is_refused() -> None:
    payload = base64.urlsafe_b64encode(b"community_accelerator_2022").decode("ascii")
    assert "damaged" in _refusal(payload)


def test_compressed_text_that_is_not_json_is_refused() -> None:
    assert "damaged" in _refusal(_pack(b"kind: accelerator\nname: [unclosed"))


def test_compressed_bytes_that_are_not_utf8_are_refused() -> None:
    assert "damaged" in _refusal(_pack(b"\xff\xfe{"))


def test_json_that_is_not_a_mapping_is_refused() -> None:
    message = _refusal(_pack(json.dumps([scenario_to_dict(ACCELERATOR)]).encode()))
    assert "does not carry a scenario" in message


def test_an_over_long_payload_is_refused_before_decoding() -> None:
    message = _refusal("A" * (MAX_PAYLOAD_CHARS + 1))
    assert f"{MAX_PAYLOAD_CHARS + 1:,}" in message
    assert "save the scenario" in message


def _compressed_spaces(total: int) -> bytes:
    """zlib of ``total`` spaces, built a megabyte at a time so the test never holds them."""
    packer = zlib.compressobj(9)
    chunk = b" " * 1_000_000
    parts = [packer.compress(chunk) for _ in range(total // len(chunk))]
    parts.append(packer.flush())
    return b"".join(parts)


def test_a_50_mb_bomb_is_refused_without_inflating_it() -> None:
    payload = base64.urlsafe_b64encode(_compressed_spaces(50_000_000)).decode("ascii")
    tracemalloc.start()
    try:
        message = _refusal(payload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 50 MB of spaces compress to about 49 KB, 65 K characters of base64: over the length
    # limit, so it is refused before anything is decoded.
    assert "characters" in message
    assert peak < 1_000_000


def test_a_bomb_within_the_length_limit_inflates_no_further_than_the_cap() -> None:
    # 10 MB of spaces compress to under 10 KB (zlib's best ratio is about 1000:1), which
    # base64 carries in under 13.4 K characters: short enough to reach the decompressor.
    payload = base64.urlsafe_b64encode(_compressed_spaces(10_000_000)).decode("ascii")
    assert len(payload) <= MAX_PAYLOAD_CHARS
    tracemalloc.start()
    try:
        message = _refusal(payload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "too large" in message
    # Inflating it all would take 10 MB; the decoder stops at its cap (1 MB) plus change.
    assert peak < 3 * MAX_JSON_BYTES


def test_a_payload_carrying_an_invalid_scenario_names_the_field() -> None:
    data = scenario_to_dict(ACCELERATOR)
    data["cohort"]["seats"] = 0
    message = _refusal(_pack(json.dumps(data).encode()))
    assert "not valid" in message
    assert "cohort.seats" in message


def test_a_payload_breaking_a_cross_field_rule_names_the_field() -> None:
    data = scenario_to_dict(ACCELERATOR)
    data["budget"]["grant_floor"] = data["budget"]["grant_cap"] + 1
    message = _refusal(_pack(json.dumps(data).encode()))
    assert "budget.grant_floor" in message


# --- link parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"scenario": "x", "version": "x"}, "'x' in the link is not a number"),
        ({"scenario": "x", "version": "0"}, "versions start at 1"),
        ({"scenario": "x", "version": "-2"}, "versions start at 1"),
        ({"scenario": "x", "s": "abc"}, "use one"),
    ],
)
def test_link_parameters_that_make_no_sense_are_refused(
    params: dict[str, str], expected: str
) -> None:
    with pytest.raises(ShareError, match=expected):
        parse_request(params)


def test_empty_parameters_ask_for_nothing() -> None:
    empty = {"scenario": "", "version": "", "s": "", "view": ""}
    assert parse_request(empty) == ShareRequest()
    assert parse_request({}) == ShareRequest()


# --- widget bounds match the model -----------------------------------------------------------


def _design_fields() -> list[tuple[str, str]]:
    """(model, field) of every ``number(...)`` and ``slider(...)`` call on the Design page."""
    tree = ast.parse(DESIGN_PAGE.read_text(encoding="utf-8"), filename=str(DESIGN_PAGE))
    found: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"number", "slider"}
        ):
            model, field = node.args[2], node.args[3]
            assert isinstance(model, ast.Name), ast.dump(model)
            assert isinstance(field, ast.Constant), ast.dump(field)
            found.append((model.id, str(field.value)))
    return sorted(set(found))


DESIGN_FIELDS = _design_fields()
# A valid instance of each section, to change one field of at a time.
SECTIONS: dict[str, BaseModel] = {
    "Cohort": ACCELERATOR.cohort,
    "Budget": ACCELERATOR.budget,
    "Simulation": ACCELERATOR.simulation,
    "Phase": ACCELERATOR.phases[0],
}
if ROADSHOW.roadshow is not None:
    SECTIONS["Roadshow"] = ROADSHOW.roadshow


def test_the_design_page_widgets_were_found() -> None:
    # The parse really read the page: the widgets the issue names are among them.
    assert {
        ("Cohort", "seats"),
        ("Cohort", "weight_exponent"),
        ("Budget", "total"),
    } <= set(DESIGN_FIELDS)


def _refused(section: BaseModel, field: str, value: float) -> set[str]:
    """The fields the model refuses once ``field`` is set to ``value`` (empty: accepted)."""
    data = section.model_dump()
    data[field] = value
    try:
        type(section).model_validate(data)
    except ValidationError as error:
        return {str(item["loc"][0]) for item in error.errors()}
    return set()


def _just_outside(value: float, direction: int, integer: bool) -> float:
    if integer:
        return value + direction
    step = max(abs(value) * 1e-9, 1e-9)
    return value + direction * step


@pytest.mark.parametrize(("model_name", "field"), DESIGN_FIELDS)
def test_widget_bounds_are_the_models_bounds(model_name: str, field: str) -> None:
    model = getattr(scenario_module, model_name)
    section = SECTIONS[model_name]
    assert type(section) is model
    bounds = field_bounds(model, field)
    integer = model.model_fields[field].annotation is int
    assert bounds.description == model.model_fields[field].description
    # The page puts an unbounded low end at 0, so 0 must be allowed when no low bound is set.
    low = bounds.low if bounds.low is not None else 0.0
    assert not _refused(section, field, int(low) if integer else low)
    if bounds.low is not None:
        assert _refused(section, field, _just_outside(low, -1, integer)) == {field}
    if bounds.high is None:
        # No high bound: the model must take a very large value too.
        assert not _refused(section, field, 10**6 if integer else 1e6)
    else:
        high = bounds.high
        assert math.isfinite(high)
        assert not _refused(section, field, int(high) if integer else high)
        assert _refused(section, field, _just_outside(high, +1, integer)) == {field}


def test_bounds_clamp_into_the_range() -> None:
    bounds = field_bounds(scenario_module.Cohort, "weight_exponent")
    # Cohort.weight_exponent is declared ge=0.0, le=1.0.
    assert (bounds.low, bounds.high) == (0.0, 1.0)
    assert bounds.clamp(-3.0) == 0.0
    assert bounds.clamp(0.25) == 0.25
    assert bounds.clamp(7.0) == 1.0


@pytest.mark.parametrize(
    ("url", "base_path", "root"),
    [
        ("http://localhost:8501/design?x=1", "", "http://localhost:8501/"),
        (
            "https://plans.example.org/planner/export",
            "/planner/",
            "https://plans.example.org/planner/",
        ),
        ("https://plans.example.org/planner/", "planner", "https://plans.example.org/planner/"),
        (None, "", ""),
        ("not a url", "", ""),
    ],
)
def test_links_open_the_app_root_under_its_prefix(
    url: str | None, base_path: str, root: str
) -> None:
    assert app_root(url, base_path) == root


def test_a_scenario_too_large_for_a_link_gets_no_link(oversized_dict: dict[str, Any]) -> None:
    scenario = scenario_from_dict(oversized_dict)
    payload = encode_scenario(scenario)
    assert len(payload) > MAX_PAYLOAD_CHARS
    # The receiving side would refuse it ...
    with pytest.raises(ShareError, match="more than the 16,000"):
        decode_scenario(payload)
    # ... so the sending side gives no such link, and says what to do instead.
    with pytest.raises(ShareError, match=f"needs {len(payload):,} characters") as refused:
        share_query(scenario=scenario)
    assert "save it, then share the saved version" in str(refused.value)
    # A link to a saved version of it is as short as any.
    assert share_query(name="big", version=1) == "?scenario=big&version=1&view=exec"
