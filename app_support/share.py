"""Share links: a saved version by name, or an unsaved scenario carried in the URL.

A link to a saved version is ``?scenario=NAME&version=N&view=exec``. An unsaved scenario
travels as ``?s=PAYLOAD&view=exec`` where the payload is the scenario's canonical JSON,
zlib-compressed and base64url-encoded. Decoding never trusts the payload: its size is
bounded before and after decompression, and it must validate like any scenario file.
Pure Python: no streamlit here, so it is tested directly.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from planning.scenario import Scenario, ScenarioError, canonical_json, scenario_from_dict

MAX_PAYLOAD_CHARS = 16_000
MAX_JSON_BYTES = 1_000_000


class ShareError(ValueError):
    """A share link that cannot be opened; the message says why in plain words."""


@dataclass(frozen=True)
class ShareRequest:
    """What a link asks for: a saved version, or a scenario carried in the link."""

    name: str | None = None
    version: int | None = None
    payload: str | None = None
    view: str | None = None


def encode_scenario(scenario: Scenario) -> str:
    """The scenario as a URL-safe payload."""
    packed = zlib.compress(canonical_json(scenario).encode("utf-8"), 9)
    return base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode_scenario(payload: str) -> Scenario:
    """The scenario a payload carries; :class:`ShareError` when it is damaged or invalid."""
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise ShareError(
            f"the link carries {len(payload):,} characters, more than the "
            f"{MAX_PAYLOAD_CHARS:,} a scenario link may; save the scenario and share its name"
        )
    try:
        packed = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_JSON_BYTES)
        if inflater.unconsumed_tail:
            raise ShareError("the link's scenario is too large to open")
        data = json.loads(raw.decode("utf-8"))
    except ShareError:
        raise
    except (binascii.Error, zlib.error, UnicodeDecodeError, json.JSONDecodeError, ValueError):
        raise ShareError(
            "the link is damaged (it may have been cut short when copied); ask for it again"
        ) from None
    if not isinstance(data, dict):
        raise ShareError("the link does not carry a scenario; ask for it again")
    try:
        return scenario_from_dict(data, "the shared link")
    except ScenarioError as error:
        first = error.problems[0]
        raise ShareError(
            f"the scenario in the link is not valid ({first}); ask for a new link"
        ) from None


def parse_request(params: dict[str, str]) -> ShareRequest:
    """Read a link's query parameters; :class:`ShareError` when they make no sense."""
    name = params.get("scenario") or None
    payload = params.get("s") or None
    view = params.get("view") or None
    raw_version = params.get("version")
    version: int | None = None
    if raw_version:
        try:
            version = int(raw_version)
        except ValueError:
            raise ShareError(f"version {raw_version!r} in the link is not a number") from None
        if version < 1:
            raise ShareError(f"version {version} in the link does not exist; versions start at 1")
    if name and payload:
        raise ShareError("the link names a saved scenario and carries one too; use one")
    return ShareRequest(name=name, version=version, payload=payload, view=view)


def share_query(
    *,
    name: str | None = None,
    version: int | None = None,
    scenario: Scenario | None = None,
    view: str = "exec",
) -> str:
    """The query string of a link (``?scenario=...``).

    Raises
    ------
    ShareError
        When the scenario is too large to travel in a link (more than
        :data:`MAX_PAYLOAD_CHARS`): a link the receiving side would refuse is never given.
    """
    params: dict[str, str] = {}
    if scenario is not None:
        payload = encode_scenario(scenario)
        if len(payload) > MAX_PAYLOAD_CHARS:
            raise ShareError(
                f"this scenario needs {len(payload):,} characters in a link, more than the "
                f"{MAX_PAYLOAD_CHARS:,} a link may carry; save it, then share the saved version"
            )
        params["s"] = payload
    elif name is not None:
        params["scenario"] = name
        if version is not None:
            params["version"] = str(version)
    params["view"] = view
    return "?" + urlencode(params)


def app_root(url: str | None, base_path: str = "") -> str:
    """The app's root address (``http://host:port/``) from the address of any of its pages.

    Links always open the root, so they go through the app's entry point (navigation,
    read-only view) whichever page the person sharing was on. ``base_path`` is the
    server's ``server.baseUrlPath``, for an app served under a prefix (``/planner/``).
    """
    if not url:
        return ""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    prefix = base_path.strip("/")
    return f"{parts.scheme}://{parts.netloc}/" + (f"{prefix}/" if prefix else "")
