"""The scenario library: list, load and save scenarios, keeping every version.

The library is a folder. The built-in scenarios are the YAML files shipped in the repository's
``scenarios/`` folder and are read-only. A saved scenario lives in ``<library>/saved/<name>/``
as numbered versions ``0001.yaml``, ``0002.yaml``, ... (each the canonical dump of the
scenario), each with a sidecar ``0001.json`` holding ``version``, ``saved_at`` (ISO 8601,
UTC), ``message``, ``hash`` (:func:`planning.scenario.scenario_hash`), ``parent`` (the
``name@version`` it was derived from, or null) and ``title`` (the scenario's display name, so
a listing need not parse every file). Saving never overwrites: it adds a version. A version
edited by hand no longer matches its sidecar's hash; its title and hash are then read from
the file itself.

Where the library is
--------------------
By default the library is the repository's ``scenarios/`` folder, so saved scenarios go to
``scenarios/saved/``. Set the environment variable ``COHORT_PLANNER_LIBRARY`` to a folder to
keep them elsewhere (a mounted volume, a shared drive); ``~`` is expanded. The built-in
scenarios always come from the repository's ``scenarios/*.yaml``, wherever the library is.
When a saved scenario has the name of a built-in one (a built-in added after the save), the
built-in one wins and the saved versions are not listed.

How a save stays safe
---------------------
The YAML is written to a temporary file (``.tmp-*``) in the scenario's folder, flushed and
fsynced, then hard-linked to the first free version number. A hard link fails when its target
exists, so two saves at once (two browser tabs, two processes) each claim their own number and
neither overwrites the other. The sidecar is written next, to a temporary file renamed into
place. A crash leaves at worst a temporary file, which listings ignore and a later save of the
same scenario removes once it is older than :data:`STALE_TEMP_SECONDS`; a version whose
sidecar is missing still lists, with the file's time and no message. On a file system without
hard links the number is claimed by creating a marker ``.claim-NNNN.yaml`` exclusively, then
the temporary file is renamed over the free number.

Names
-----
A scenario's name is its file name, so it is a slug: 1 to 80 characters among lowercase
letters ``a-z``, digits ``0-9``, ``-`` and ``_``, starting with a letter or a digit
(:data:`planning.scenario.SLUG_PATTERN`). Paths (``/``, ``\\``, ``..``), drive letters,
control characters and hidden names are refused, and so are the names Windows reserves for
devices (``con``, ``prn``, ``aux``, ``nul``, ``com1``-``com9``, ``lpt1``-``lpt9``), so a
library can be copied to any system. :func:`slugify` proposes a name from a display name.

Glossary
--------
name
    The slug a scenario is filed under, e.g. ``community_accelerator_2020``; not its
    display name (the scenario's ``name`` field, called its title here).
version
    One saved state of a scenario, numbered from 1 in the order the saves happened.
built-in
    A scenario shipped with the app; it has one version, the file itself, and is read-only.
ref
    ``name@version``, e.g. ``community_accelerator_2020@1``: one version of one scenario.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from planning.scenario import (
    SLUG_PATTERN,
    Problem,
    Scenario,
    ScenarioError,
    dump_scenario,
    load_scenario,
    parse_scenario,
    scenario_hash,
)

ENV_VAR = "COHORT_PLANNER_LIBRARY"
BUILTIN_DIR = Path(__file__).resolve().parent.parent / "scenarios"
SAVED_FOLDER = "saved"
MAX_NAME_LENGTH = 80
MAX_MESSAGE_LENGTH = 500
STALE_TEMP_SECONDS = 15 * 60
BUILTIN_MESSAGE = "built-in"
ALLOWED_NAMES = (
    f"1 to {MAX_NAME_LENGTH} characters among lowercase letters a-z, digits 0-9, '-' and '_', "
    "starting with a letter or a digit (e.g. community_accelerator_2023)"
)

_TEMP_PREFIX = ".tmp-"
_CLAIM_PREFIX = ".claim-"
_VERSION_FILE = re.compile(r"^(\d{4,9})\.yaml$")
_REF = re.compile(r"^(?P<name>[^@]*)@(?P<number>[1-9]\d{0,8})$")
_DRIVE = re.compile(r"^[A-Za-z]:")
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{port}{i}" for port in ("com", "lpt") for i in range(1, 10)}
)
# errno values by which os.link says "this file system has no hard links", as opposed to a
# real failure (disk full, permission denied) that must not be papered over.
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS})
_MAX_CLAIM_ATTEMPTS = 10_000
_MAX_COPIES = 10_000
# (path, inode, size, mtime) -> (title or None, hash), shared by every Library: the app makes
# a new Library on each rerun, and parsing every built-in each time would slow the home page.
_SUMMARIES: dict[tuple[str, int, int, int], tuple[str | None, str]] = {}


class StoreError(ValueError):
    """A library request that cannot be met: a bad name, a missing version, a failed write."""


@dataclass(frozen=True)
class Version:
    """One version of a scenario in the library.

    Attributes
    ----------
    name
        The scenario's name (slug).
    number
        Version number, from 1; a built-in scenario has only version 1.
    saved_at
        When it was saved (UTC); a built-in's or a sidecar-less version's file time.
    message
        The message given when saving; ``"built-in"`` for a built-in scenario.
    hash
        :func:`~planning.scenario.scenario_hash` of the scenario in the file as it is now
        (a key for caches); empty when the file does not parse.
    builtin
        Whether this is a built-in (read-only) scenario.
    path
        The YAML file.
    parent
        The ref (``name@version``) this version was derived from, if known.
    """

    name: str
    number: int
    saved_at: datetime
    message: str
    hash: str
    builtin: bool
    path: Path
    parent: str | None = None

    @property
    def ref(self) -> str:
        """``name@number``, e.g. ``community_accelerator_2020@1``."""
        return f"{self.name}@{self.number}"


@dataclass(frozen=True)
class Entry:
    """One scenario of the library, as a listing shows it.

    Attributes
    ----------
    name
        The scenario's name (slug).
    title
        The scenario's display name, or its name when the latest version does not parse.
    builtin
        Whether it is a built-in (read-only) scenario.
    versions
        How many versions it has.
    latest
        Its latest version.
    """

    name: str
    title: str
    builtin: bool
    versions: int
    latest: Version


# --- names ----------------------------------------------------------------------------------


def _show(name: str) -> str:
    """The name quoted for a message, shortened so a huge name cannot flood it."""
    return repr(name) if len(name) <= 40 else repr(name[:37]) + "..."


def _name_problem(name: str) -> str | None:
    """What is wrong with a name, or None when it is a valid slug."""
    if name == "":
        return "it is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"it is {len(name)} characters long, more than {MAX_NAME_LENGTH}"
    if any(unicodedata.category(char) == "Cc" for char in name):
        return "it contains a control character"
    if "/" in name or "\\" in name:
        return "it contains a path separator ('/' or '\\')"
    if ".." in name:
        return "it contains '..'"
    if _DRIVE.match(name):
        return "it starts with a drive letter"
    if name.startswith("."):
        return "it starts with '.' (a hidden file)"
    if not SLUG_PATTERN.fullmatch(name):
        if any(char.isupper() for char in name):
            return "it contains capital letters"
        bad = sorted({char for char in name if not re.fullmatch(r"[a-z0-9_-]", char)})
        if bad:
            return "it contains " + ", ".join(repr(char) for char in bad)
        return "it starts with '-' or '_'"
    if name in _WINDOWS_RESERVED:
        return "it is a device name Windows reserves"
    return None


def check_name(name: str) -> str:
    """Check that a scenario name is a safe slug and return it.

    Parameters
    ----------
    name
        The proposed name.

    Returns
    -------
    str
        The name, unchanged.

    Raises
    ------
    StoreError
        When the name is not a slug, saying what is wrong and what is allowed.
    """
    if not isinstance(name, str):
        raise StoreError(
            f"a scenario name must be text, not {type(name).__name__}; use {ALLOWED_NAMES}"
        )
    problem = _name_problem(name)
    if problem is not None:
        raise StoreError(
            f"invalid scenario name {_show(name)}: {problem}. Use {ALLOWED_NAMES}; "
            "slugify() proposes one from a title"
        )
    return name


def slugify(title: str) -> str:
    """Propose a scenario name from a display name.

    Accents are dropped, letters lowered and every run of other characters becomes one
    ``_``: ``"Community Accelerator 2023!"`` gives ``"community_accelerator_2023"``. The
    result always passes :func:`check_name`; a title with no usable letter gives
    ``"scenario"``.

    Parameters
    ----------
    title
        The display name.

    Returns
    -------
    str
        A valid scenario name.
    """
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    slug = slug[:MAX_NAME_LENGTH].rstrip("_")
    if not slug:
        return "scenario"
    if slug in _WINDOWS_RESERVED:
        return f"{slug}_scenario"
    return slug


def _check_parent(parent: str | None) -> str | None:
    """Check a parent ref (``name@version``) and return it."""
    if parent is None:
        return None
    match = _REF.fullmatch(parent) if isinstance(parent, str) else None
    if match is None:
        raise StoreError(
            f"parent must be a ref 'name@version' such as 'community_accelerator_2020@1', "
            f"or None; got {parent!r}"
        )
    check_name(match["name"])
    return parent


def _clean_message(message: str) -> str:
    """A save message on one line, without control characters, at most the allowed length."""
    if not isinstance(message, str):
        raise StoreError(f"message must be text, not {type(message).__name__}")
    kept = []
    for char in message:
        category = unicodedata.category(char)
        if category in {"Cc", "Zl", "Zp"}:
            kept.append(" ")
        elif category != "Cf":  # format characters (bidi overrides) can disguise a message
            kept.append(char)
    text = " ".join("".join(kept).split())
    if len(text) > MAX_MESSAGE_LENGTH:
        text = text[: MAX_MESSAGE_LENGTH - 1] + "…"
    return text


def _ranges(numbers: list[int]) -> str:
    """Version numbers as ranges: ``[1, 2, 3, 5]`` gives ``"1-3, 5"``."""
    parts: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], -1]:
        if number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = number
    return ", ".join(parts)


# --- files ----------------------------------------------------------------------------------


def _reason(error: OSError) -> str:
    """The system's words for an error, e.g. 'No space left on device'."""
    return error.strerror or str(error)


def _version_file(number: int) -> str:
    """The file name of a version: 3 gives ``0003.yaml``."""
    return f"{number:04d}.yaml"


def _sidecar_file(number: int) -> str:
    """The file name of a version's sidecar: 3 gives ``0003.json``."""
    return f"{number:04d}.json"


def _is_regular(path: Path) -> bool:
    """A regular file that is not a symlink, so a link cannot lead a read out of the library."""
    return path.is_file() and not path.is_symlink()


def _version_numbers(folder: Path) -> list[int]:
    """The version numbers in a scenario's folder, ascending; temporary files are ignored."""
    numbers = []
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    for entry in entries:
        match = _VERSION_FILE.fullmatch(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        number = int(match[1])
        # why: a hand-made "00001.yaml" would shadow "0001.yaml"; only the canonical spelling counts
        if number >= 1 and entry.name == _version_file(number):
            numbers.append(number)
    return sorted(numbers)


def _next_number(folder: Path) -> int:
    """The number after the highest version in the folder."""
    numbers = _version_numbers(folder)
    return numbers[-1] + 1 if numbers else 1


def _fsync_folder(folder: Path) -> None:
    """Make a link or rename in the folder durable; a no-op where folders cannot be opened."""
    if os.name == "nt":  # why: Windows cannot open a folder to fsync it
        return
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _write_temp(folder: Path, data: bytes) -> Path:
    """Write data to a new temporary file in the folder, flushed to disk."""
    handle, name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".part", dir=folder)
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o644)  # why: mkstemp makes it 0600; versions read like any scenario
    except BaseException:
        with suppress(OSError):
            temp.unlink()
        raise
    return temp


def _claim(temp: Path, final: Path) -> None:
    """Give the temporary file the final name, failing with FileExistsError if it is taken."""
    try:
        os.link(temp, final)
        return
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
    # No hard links here: an exclusive marker claims the number, then a rename fills it.
    marker = final.with_name(_CLAIM_PREFIX + final.name)
    os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    if final.exists():
        raise FileExistsError(errno.EEXIST, "version already exists", str(final))
    os.replace(temp, final)


def _write_new_version(folder: Path, data: bytes) -> tuple[int, Path]:
    """Write data as the next free version of the folder without overwriting any."""
    temp = _write_temp(folder, data)
    try:
        number = _next_number(folder)
        for _ in range(_MAX_CLAIM_ATTEMPTS):
            final = folder / _version_file(number)
            try:
                _claim(temp, final)
            except FileExistsError:
                # another save took this number: look again rather than count up one by one
                number = max(number + 1, _next_number(folder))
                continue
            _fsync_folder(folder)
            return number, final
        raise OSError(errno.EEXIST, f"no free version number after {_MAX_CLAIM_ATTEMPTS} tries")
    finally:
        with suppress(OSError):
            temp.unlink()


def _write_atomic(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: a temporary file renamed over it."""
    temp = _write_temp(path.parent, data)
    try:
        os.replace(temp, path)
        _fsync_folder(path.parent)
    finally:
        with suppress(OSError):
            temp.unlink()


def _remove_stale_temps(folder: Path, now: float) -> None:
    """Remove temporary files left by crashed saves; young ones may be saves in progress."""
    with suppress(OSError):
        for entry in os.scandir(folder):
            if not entry.name.startswith(_TEMP_PREFIX):
                continue
            with suppress(OSError):
                if (
                    entry.is_file(follow_symlinks=False)
                    and now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS
                ):
                    os.unlink(entry.path)


def _read_sidecar(path: Path) -> dict[str, Any]:
    """The sidecar's fields, or an empty mapping when it is missing or unreadable."""
    if not _is_regular(path):
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _parse_time(value: object) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime, or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _file_time(path: Path) -> datetime:
    """A file's modification time, in UTC."""
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _resolve_root(root: Path | str | None) -> Path:
    """The library folder: the argument, else the environment variable, else the default."""
    if root is None:
        setting = os.environ.get(ENV_VAR, "").strip()
        root, origin = (setting or BUILTIN_DIR), f"{ENV_VAR}={setting!r}"
    else:
        origin = f"root={str(root)!r}"
    try:
        path = Path(root).expanduser().resolve()
    except (OSError, ValueError, RuntimeError) as error:
        raise StoreError(f"{origin} is not a usable folder path: {error}") from None
    if path.exists() and not path.is_dir():
        raise StoreError(f"{origin} is a file, not a folder; point it at a folder")
    return path


# --- the library ----------------------------------------------------------------------------


class Library:
    """A folder of scenarios: the built-in ones and every saved version.

    Parameters
    ----------
    root
        The library folder; None takes ``COHORT_PLANNER_LIBRARY``, else the repository's
        ``scenarios/``. It is created on the first save.
    builtin_dir
        The folder of built-in scenarios; None takes the repository's ``scenarios/``.
    """

    def __init__(
        self, root: Path | str | None = None, builtin_dir: Path | str | None = None
    ) -> None:
        self.root = _resolve_root(root)
        self.builtin_dir = Path(BUILTIN_DIR if builtin_dir is None else builtin_dir)
        self.builtin_dir = self.builtin_dir.expanduser().resolve()
        self.saved_dir = self.root / SAVED_FOLDER

    def __repr__(self) -> str:
        """The library's folders, for logs and the debugger."""
        return f"Library(root={str(self.root)!r}, builtin_dir={str(self.builtin_dir)!r})"

    # --- paths --------------------------------------------------------------------------------

    def _inside(self, path: Path, root: Path) -> Path:
        """The path, resolved, after checking it does not lead out of root."""
        resolved = path.resolve()
        if not resolved.is_relative_to(root):
            raise StoreError(
                f"refusing to use {path}: it leads to {resolved}, outside the library {root}"
            )
        return resolved

    def _builtin_path(self, name: str) -> Path:
        """The file of a built-in scenario (which may not exist), after checking the name."""
        return self._inside(self.builtin_dir / f"{check_name(name)}.yaml", self.builtin_dir)

    def _saved_path(self, name: str) -> Path:
        """The folder of a saved scenario (which may not exist), after checking the name."""
        return self._inside(self.saved_dir / check_name(name), self.root)

    # --- listing ------------------------------------------------------------------------------

    def _builtin_names(self) -> list[str]:
        """Names of the built-in scenarios, sorted; files that are not slugs are skipped."""
        try:
            paths = list(self.builtin_dir.glob("*.yaml"))
        except OSError:
            return []
        return sorted(
            path.stem for path in paths if _name_problem(path.stem) is None and _is_regular(path)
        )

    def _saved_folders(self) -> Iterator[tuple[str, Path, list[int]]]:
        """(name, folder, version numbers) of every saved scenario with a version, by name."""
        self._inside(self.saved_dir, self.root)
        try:
            children = sorted(os.scandir(self.saved_dir), key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):
            return
        builtins = set(self._builtin_names())
        for child in children:
            name = child.name
            if _name_problem(name) is not None or name in builtins:
                continue
            try:
                folder = self._saved_path(name)
            except StoreError:  # a link out of the library: not ours to list
                continue
            numbers = _version_numbers(folder)
            if numbers:
                yield name, folder, numbers

    def names(self) -> list[str]:
        """Every scenario's name: the built-in ones, then the saved ones, each by name."""
        return self._builtin_names() + [name for name, _, _ in self._saved_folders()]

    def entries(self) -> list[Entry]:
        """Every scenario with its title and latest version: built-in first, then by name."""
        entries = []
        for name in self._builtin_names():
            latest = self._builtin_version(name)
            title = self._summary(latest.path)[0] or name
            entries.append(Entry(name, title, True, 1, latest))
        for name, folder, numbers in self._saved_folders():
            latest, title = self._saved_version(name, numbers[-1], folder)
            entries.append(Entry(name, title, False, len(numbers), latest))
        return entries

    def is_builtin(self, name: str) -> bool:
        """Whether the name is a built-in (read-only) scenario."""
        return _is_regular(self._builtin_path(name))

    def exists(self, name: str) -> bool:
        """Whether the library has a scenario of this name, built-in or saved."""
        return self.is_builtin(name) or bool(_version_numbers(self._saved_path(name)))

    def history(self, name: str) -> list[Version]:
        """Every version of a scenario, oldest first.

        Raises
        ------
        StoreError
            When the name is invalid or the library has no such scenario.
        """
        if self.is_builtin(name):
            return [self._builtin_version(name)]
        folder = self._saved_path(name)
        numbers = _version_numbers(folder)
        if not numbers:
            raise self._missing(name)
        return [self._saved_version(name, number, folder)[0] for number in numbers]

    def _missing(self, name: str) -> StoreError:
        """The error for a scenario the library lacks, naming those it has."""
        names = self.names()
        if not names:
            return StoreError(f"no scenario {name!r}; the library is empty")
        shown = ", ".join(names[:30]) + (f" and {len(names) - 30} more" if len(names) > 30 else "")
        return StoreError(f"no scenario {name!r}; the library has: {shown}")

    def _summary(self, path: Path, sidecar: dict[str, Any] | None = None) -> tuple[str | None, str]:
        """(title, hash) of a scenario file, or (None, "") when it does not parse.

        A sidecar's title and hash are taken when the file's bytes still hash to it (the file
        is then the canonical dump that was saved); otherwise the file is parsed.
        """
        if sidecar is not None:
            title, digest = sidecar.get("title"), sidecar.get("hash")
            file_digest = sidecar.get("file_sha256")
            if all(isinstance(value, str) for value in (title, digest, file_digest)):
                with suppress(OSError):
                    if hashlib.sha256(path.read_bytes()).hexdigest() == file_digest:
                        return str(title), str(digest)
        try:
            stat = path.stat()
        except OSError:
            return None, ""
        key = (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
        summary = _SUMMARIES.get(key)
        if summary is None:
            try:
                scenario = load_scenario(path)
            except ScenarioError:
                summary = (None, "")
            else:
                summary = (scenario.name, scenario_hash(scenario))
            if len(_SUMMARIES) > 4096:
                _SUMMARIES.clear()
            _SUMMARIES[key] = summary
        return summary

    def _builtin_version(self, name: str) -> Version:
        """A built-in scenario's only version: the file, at its modification time."""
        path = self._builtin_path(name)
        return Version(
            name=name,
            number=1,
            saved_at=_file_time(path),
            message=BUILTIN_MESSAGE,
            hash=self._summary(path)[1],
            builtin=True,
            path=path,
        )

    def _saved_version(self, name: str, number: int, folder: Path) -> tuple[Version, str]:
        """A saved version and its title (the name when the file does not parse)."""
        path = folder / _version_file(number)
        sidecar = _read_sidecar(folder / _sidecar_file(number))
        title, digest = self._summary(path, sidecar)
        saved_at = _parse_time(sidecar.get("saved_at")) or _file_time(path)
        message = sidecar.get("message")
        parent = sidecar.get("parent")
        version = Version(
            name=name,
            number=number,
            saved_at=saved_at,
            message=message if isinstance(message, str) else "",
            hash=digest,
            builtin=False,
            path=path,
            parent=parent if isinstance(parent, str) else None,
        )
        return version, title or name

    # --- loading ------------------------------------------------------------------------------

    def version(self, name: str, version: int | None = None) -> Version:
        """One version of a scenario; None means the latest.

        Raises
        ------
        StoreError
            When the name is invalid, or the scenario or the version does not exist, saying
            what does.
        """
        number, folder = self._resolve(name, version)
        if folder is None:
            return self._builtin_version(name)
        return self._saved_version(name, number, folder)[0]

    def _resolve(self, name: str, version: int | None) -> tuple[int, Path | None]:
        """The version's number and its saved folder (None for a built-in), or StoreError."""
        if version is not None and (
            isinstance(version, bool) or not isinstance(version, int) or version < 1
        ):
            raise StoreError(f"version must be a whole number from 1 up, or None; got {version!r}")
        if self.is_builtin(name):
            if version not in (None, 1):
                raise StoreError(f"built-in scenario {name!r} has only version 1")
            return 1, None
        folder = self._saved_path(name)
        numbers = _version_numbers(folder)
        if not numbers:
            raise self._missing(name)
        if version is None:
            return numbers[-1], folder
        if version not in numbers:
            raise StoreError(
                f"no version {version} of scenario {name!r}; "
                f"scenario {name!r} has versions {_ranges(numbers)}"
            )
        return version, folder

    def _file(self, name: str, version: int | None) -> Path:
        """The YAML file of a version, without reading it (see :meth:`_resolve`)."""
        number, folder = self._resolve(name, version)
        return self._builtin_path(name) if folder is None else folder / _version_file(number)

    def load(self, name: str, version: int | None = None) -> Scenario:
        """Load a version of a scenario; None means the latest.

        Raises
        ------
        StoreError
            When the scenario or the version does not exist.
        ScenarioError
            When the file no longer parses (edited by hand); it names the file.
        """
        # Straight to the file: version() would parse it once more for its summary.
        return load_scenario(self._file(name, version))

    def load_text(self, name: str, version: int | None = None) -> str:
        """The YAML text of a version of a scenario, as stored; None means the latest.

        Raises
        ------
        StoreError
            When the scenario or the version does not exist or cannot be read.
        ScenarioError
            When the file is not UTF-8 text.
        """
        path = self._file(name, version)
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise StoreError(f"cannot read {path}: {_reason(error)}") from None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            problem = Problem("(file)", "the file is not UTF-8 text", "save it as UTF-8 YAML")
            raise ScenarioError([problem], str(path)) from None

    # --- saving -------------------------------------------------------------------------------

    def save(
        self, name: str, scenario: Scenario, message: str = "", parent: str | None = None
    ) -> Version:
        """Save a scenario as the next version of a name; nothing is ever overwritten.

        Parameters
        ----------
        name
            The scenario's name (a slug, see :func:`check_name`); not a built-in one.
        scenario
            The scenario to save.
        message
            What changed; put on one line, control characters dropped, cut to
            :data:`MAX_MESSAGE_LENGTH` characters.
        parent
            The ref (``name@version``) the scenario was derived from, if any.

        Returns
        -------
        Version
            The new version.

        Raises
        ------
        StoreError
            When the name is invalid or built-in, or the write fails (the earlier versions are
            then unchanged).
        ScenarioError
            When the scenario would not load back (a cross-field check fails).
        """
        check_name(name)
        if not isinstance(scenario, Scenario):
            raise StoreError(
                f"scenario must be a Scenario (from parse_scenario or Library.load), "
                f"not {type(scenario).__name__}"
            )
        if self.is_builtin(name):
            raise StoreError(
                f"{name!r} is a built-in scenario and is read-only; save under another name, "
                f"or use save_copy() to save it as {name}-copy"
            )
        message = _clean_message(message)
        parent = _check_parent(parent)
        text = dump_scenario(scenario)
        # why: a stored version must load again, so refuse what parse_scenario would refuse
        stored = parse_scenario(text, f"scenario {name!r}")
        data = text.encode("utf-8")
        digest = scenario_hash(stored)
        folder = self._saved_path(name)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _remove_stale_temps(folder, time.time())
            number, path = _write_new_version(folder, data)
        except OSError as error:
            raise StoreError(
                f"could not save scenario {name!r}: {_reason(error)}; "
                "its previous versions are unchanged"
            ) from error
        saved_at = datetime.now(UTC)
        sidecar = {
            "version": number,
            "saved_at": saved_at.isoformat(),
            "message": message,
            "hash": digest,
            "parent": parent,
            "title": scenario.name,
            # The file's own checksum: while it matches, the title and hash above still hold.
            "file_sha256": hashlib.sha256(data).hexdigest(),
        }
        record = (json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            _write_atomic(folder / _sidecar_file(number), record)
        except OSError as error:
            raise StoreError(
                f"scenario {name!r} was saved as version {number}, but its time and message "
                f"could not be recorded: {_reason(error)}; it lists with the file's time and "
                "no message"
            ) from error
        return Version(name, number, saved_at, message, digest, False, path, parent)

    def save_copy(self, name: str, scenario: Scenario, message: str = "") -> Version:
        """Save a scenario under the first free name ``<name>-copy``, ``<name>-copy-2``, ...

        Used to keep changes to a built-in (read-only) scenario. The copy's parent is the
        latest version of ``name`` when it exists.

        Returns
        -------
        Version
            Version 1 of the copy; its ``name`` is the name chosen.

        Raises
        ------
        StoreError
            As :meth:`save` does, or when no copy name is free.
        """
        check_name(name)
        parent = self.version(name).ref if self.exists(name) else None
        for candidate in _copy_names(name):
            if self.is_builtin(candidate):
                continue
            folder = self._saved_path(candidate)
            try:
                # why: creating the folder claims the name, so two copies at once get two names
                folder.mkdir(parents=True)
            except FileExistsError:
                continue
            except OSError as error:
                raise StoreError(f"could not save a copy of {name!r}: {_reason(error)}") from error
            return self.save(candidate, scenario, message, parent)
        raise StoreError(f"no free name for a copy of {name!r}; save it under a new name")


def _copy_names(name: str) -> Iterator[str]:
    """``name-copy``, ``name-copy-2``, ..., each shortened to fit the name length limit."""
    for i in range(1, _MAX_COPIES + 1):
        suffix = "-copy" if i == 1 else f"-copy-{i}"
        yield name[: MAX_NAME_LENGTH - len(suffix)] + suffix


def default_library() -> Library:
    """The library the app uses: ``COHORT_PLANNER_LIBRARY`` when set, else ``scenarios/``."""
    return Library()
