"""Tests for planning.store: round trips, versions, safety of names and of writes."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from planning import store
from planning.scenario import (
    SLUG_PATTERN,
    Scenario,
    ScenarioError,
    dump_scenario,
    load_scenario,
    replace,
    scenario_hash,
)
from planning.store import (
    ENV_VAR,
    MAX_MESSAGE_LENGTH,
    MAX_NAME_LENGTH,
    Library,
    StoreError,
    check_name,
    default_library,
    slugify,
)

REPO = Path(__file__).resolve().parent.parent
REAL_BUILTIN = REPO / "scenarios" / "community_accelerator_2020.yaml"
BUILTIN = "community_accelerator_2020"
# 2020-09-01T00:00:00Z: 18506 days after 1970-01-01 (50 years with 12 leap days = 18262,
# plus 244 days for January to August 2020, a leap year) x 86400 s = 1_598_918_400 s.
BUILTIN_MTIME = 1_598_918_400


@pytest.fixture
def builtin_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "builtin"
    folder.mkdir()
    copy = folder / f"{BUILTIN}.yaml"
    shutil.copyfile(REAL_BUILTIN, copy)
    os.utime(copy, (BUILTIN_MTIME, BUILTIN_MTIME))
    return folder


@pytest.fixture
def library(tmp_path: Path, builtin_dir: Path) -> Library:
    return Library(tmp_path / "lib", builtin_dir=builtin_dir)


@pytest.fixture
def base() -> Scenario:
    return load_scenario(REAL_BUILTIN)


def variant(base: Scenario, label: str) -> Scenario:
    """A distinct, valid scenario: the base with another description."""
    return replace(base, {"description": f"variant {label}"})


def files_under(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


# --- built-ins ------------------------------------------------------------------------------


def test_builtin_is_listed_as_version_one(library: Library, builtin_dir: Path) -> None:
    path = builtin_dir / f"{BUILTIN}.yaml"
    title = yaml.safe_load(REAL_BUILTIN.read_text(encoding="utf-8"))["name"]
    [entry] = library.entries()
    assert (entry.name, entry.title, entry.builtin, entry.versions) == (BUILTIN, title, True, 1)
    assert entry.latest.number == 1
    assert entry.latest.message == "built-in"
    assert entry.latest.saved_at == datetime(2020, 9, 1, tzinfo=UTC)
    assert entry.latest.hash == scenario_hash(load_scenario(path))
    assert entry.latest.path == path.resolve()
    assert library.history(BUILTIN) == [entry.latest]
    assert library.names() == [BUILTIN]
    assert library.is_builtin(BUILTIN)
    assert library.exists(BUILTIN)


def test_builtin_loads_as_the_file(library: Library, builtin_dir: Path, base: Scenario) -> None:
    assert library.load(BUILTIN) == base
    assert library.load(BUILTIN, 1) == base
    assert library.load_text(BUILTIN) == REAL_BUILTIN.read_text(encoding="utf-8")
    with pytest.raises(StoreError, match="has only version 1"):
        library.load(BUILTIN, 2)


def test_saving_a_builtin_name_is_refused(library: Library, base: Scenario) -> None:
    with pytest.raises(StoreError, match=r"built-in scenario and is read-only.*save_copy"):
        library.save(BUILTIN, variant(base, "x"))
    assert not (library.root / "saved" / BUILTIN).exists()


def test_save_copy_finds_free_names(library: Library, base: Scenario) -> None:
    first = library.save_copy(BUILTIN, variant(base, "1"), "mine")
    second = library.save_copy(BUILTIN, variant(base, "2"))
    third = library.save_copy(BUILTIN, variant(base, "3"))
    assert [first.name, second.name, third.name] == [
        f"{BUILTIN}-copy",
        f"{BUILTIN}-copy-2",
        f"{BUILTIN}-copy-3",
    ]
    assert [first.number, second.number, third.number] == [1, 1, 1]
    assert first.parent == f"{BUILTIN}@1"
    assert library.load(second.name) == variant(base, "2")
    assert library.names() == [BUILTIN, first.name, second.name, third.name]
    # a copy of a saved scenario points at its latest version
    library.save(first.name, variant(base, "1b"))
    assert library.save_copy(first.name, base).parent == f"{first.name}@2"


def test_copy_names_stay_within_the_length_limit(library: Library, base: Scenario) -> None:
    long_name = "a" * MAX_NAME_LENGTH
    library.save(long_name, base)
    copy = library.save_copy(long_name, base)
    # 80 characters: 75 of the name, then "-copy"
    assert copy.name == "a" * 75 + "-copy"
    assert library.save_copy(long_name, base).name == "a" * 73 + "-copy-2"


# --- saving and loading ---------------------------------------------------------------------


def test_round_trip(library: Library, base: Scenario) -> None:
    scenario = variant(base, "round trip")
    before = datetime.now(UTC)
    version = library.save("mine", scenario, "first try")
    after = datetime.now(UTC)
    assert library.load("mine") == scenario
    assert library.load_text("mine") == dump_scenario(scenario)
    assert (version.name, version.number, version.message) == ("mine", 1, "first try")
    assert version.hash == scenario_hash(scenario)
    assert version.path == library.root / "saved" / "mine" / "0001.yaml"
    assert not version.builtin
    assert before <= version.saved_at <= after
    sidecar = json.loads((library.root / "saved" / "mine" / "0001.json").read_text("utf-8"))
    assert sidecar == {
        "version": 1,
        "saved_at": version.saved_at.isoformat(),
        "message": "first try",
        "hash": scenario_hash(scenario),
        "parent": None,
        "title": scenario.name,
        "file_sha256": hashlib.sha256(dump_scenario(scenario).encode("utf-8")).hexdigest(),
    }
    assert library.history("mine") == [version]


@settings(deadline=None, max_examples=25)
@given(
    description=st.text(max_size=200),
    seats=st.integers(min_value=1, max_value=10_000),
    name=st.from_regex(SLUG_PATTERN, fullmatch=True),
)
def test_round_trip_property(description: str, seats: int, name: str) -> None:
    base = load_scenario(REAL_BUILTIN)
    scenario = replace(base, {"description": description, "cohort.seats": seats})
    with tempfile.TemporaryDirectory() as folder:
        library = Library(folder, builtin_dir=Path(folder) / "none")
        if name in store._WINDOWS_RESERVED:
            with pytest.raises(StoreError, match="Windows reserves"):
                library.save(name, scenario)
            return
        library.save(name, scenario)
        assert library.load(name) == scenario
        assert library.history(name)[0].hash == scenario_hash(scenario)


def test_versions_increase_and_history_lists_them(library: Library, base: Scenario) -> None:
    moments = [datetime.now(UTC)]
    for i in range(1, 4):
        library.save("plan", variant(base, str(i)), f"step {i}", parent=f"{BUILTIN}@1")
        moments.append(datetime.now(UTC))
    history = library.history("plan")
    assert [v.number for v in history] == [1, 2, 3]
    assert [v.message for v in history] == ["step 1", "step 2", "step 3"]
    assert [v.parent for v in history] == [f"{BUILTIN}@1"] * 3
    for i, version in enumerate(history):
        assert moments[i] <= version.saved_at <= moments[i + 1]
        assert library.load("plan", version.number) == variant(base, str(i + 1))
    assert library.load("plan") == variant(base, "3")
    [_, entry] = library.entries()
    assert (entry.name, entry.builtin, entry.versions) == ("plan", False, 3)
    assert entry.latest == history[2]
    assert entry.title == base.name
    assert library.version("plan").ref == "plan@3"


def test_saving_the_same_scenario_twice_keeps_two_versions(
    library: Library, base: Scenario
) -> None:
    library.save("same", base)
    library.save("same", base)
    assert [v.number for v in library.history("same")] == [1, 2]


def test_missing_names_and_versions_say_what_exists(library: Library, base: Scenario) -> None:
    library.save("alpha", base)
    library.save("alpha", base)
    library.save("alpha", base)
    with pytest.raises(StoreError, match=rf"no scenario 'nope'; the library has: {BUILTIN}, alpha"):
        library.load("nope")
    with pytest.raises(StoreError, match="no scenario 'nope'"):
        library.history("nope")
    with pytest.raises(StoreError, match="scenario 'alpha' has versions 1-3"):
        library.load("alpha", 9)
    (library.root / "saved" / "alpha" / "0002.yaml").unlink()
    with pytest.raises(StoreError, match="scenario 'alpha' has versions 1, 3"):
        library.load("alpha", 2)
    for bad in (0, -1, True, 1.0, "1"):
        with pytest.raises(StoreError, match="version must be a whole number"):
            library.load("alpha", bad)  # type: ignore[arg-type]
    assert not library.exists("nope")


def test_empty_library_says_so(tmp_path: Path) -> None:
    library = Library(tmp_path / "lib", builtin_dir=tmp_path / "none")
    assert library.entries() == []
    with pytest.raises(StoreError, match="the library is empty"):
        library.load("x")


def test_message_is_one_clean_line(library: Library, base: Scenario) -> None:
    # \n and \x1b (ESC) are control characters: each becomes a space, runs of spaces become
    # one; U+202E (right-to-left override) is a format character and is dropped.
    version = library.save("m", base, "  line one\nline two\x1b[31m \u202eevil\t ")
    assert version.message == "line one line two [31m evil"
    assert library.history("m")[0].message == version.message
    long = library.save("m", base, "x" * 1000)
    assert long.message == "x" * (MAX_MESSAGE_LENGTH - 1) + "…"
    with pytest.raises(StoreError, match="message must be text"):
        library.save("m", base, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("parent", ["nope", "a@0", "a@-1", "../x@1", "a@1@2", "A@1", ""])
def test_bad_parent_is_refused(library: Library, base: Scenario, parent: str) -> None:
    with pytest.raises(StoreError, match=r"parent must be a ref|invalid scenario name"):
        library.save("child", base, parent=parent)
    assert not library.exists("child")


def test_only_scenarios_that_load_again_are_saved(library: Library, base: Scenario) -> None:
    data = base.model_dump()
    data["regions"][0]["floor"] = 81  # floors above the 80 seats: a cross-field check fails
    unsound = Scenario.model_validate(data)
    with pytest.raises(ScenarioError, match="floors add up to 81"):
        library.save("unsound", unsound)
    with pytest.raises(StoreError, match="must be a Scenario"):
        library.save("text", dump_scenario(base))  # type: ignore[arg-type]
    assert library.names() == [BUILTIN]


# --- names ----------------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../x",
    "/etc/passwd",
    "a/b",
    "a\\b",
    "C:evil",
    "c:evil",
    "a\x00b",
    "a\nb",
    "abc\n",
    "",
    "x" * 200,
    "x" * (MAX_NAME_LENGTH + 1),
    "..",
    ".",
    ".hidden",
    "CON",
    "con",
    "nul",
    "com1",
    "lpt9",
    "Upper",
    "a b",
    "café",
    "-lead",
    "_lead",
    "~",
    "%2e%2e",
    "a.yaml",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_refused(
    tmp_path: Path, library: Library, base: Scenario, name: str
) -> None:
    outside_before = set(os.listdir(tmp_path.parent))
    inside_before = files_under(tmp_path)
    with pytest.raises(StoreError, match="lowercase letters a-z, digits 0-9") as caught:
        check_name(name)
    assert len(str(caught.value)) < 400  # a huge name is not echoed whole
    calls: list[Callable[[], object]] = [
        lambda: library.save(name, base),
        lambda: library.save_copy(name, base),
        lambda: library.load(name),
        lambda: library.load_text(name),
        lambda: library.history(name),
        lambda: library.exists(name),
        lambda: library.is_builtin(name),
    ]
    for call in calls:
        with pytest.raises(StoreError, match="invalid scenario name"):
            call()
    assert files_under(tmp_path) == inside_before
    assert set(os.listdir(tmp_path.parent)) == outside_before


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "it is empty"),
        ("x" * 81, "81 characters long"),
        ("a\x00b", "control character"),
        ("a/b", "path separator"),
        ("..", r"contains '\.\.'"),
        ("C:evil", "drive letter"),
        (".hidden", "hidden file"),
        ("Upper", "capital letters"),
        ("a b", "contains ' '"),
        ("-lead", "starts with '-' or '_'"),
        ("aux", "Windows reserves"),
    ],
)
def test_refusals_say_why(name: str, reason: str) -> None:
    with pytest.raises(StoreError, match=reason):
        check_name(name)


@pytest.mark.parametrize("name", ["a", "0", "x" * MAX_NAME_LENGTH, "a-b_c", "con1", "console"])
def test_good_names_pass(name: str) -> None:
    assert check_name(name) == name


def test_non_text_name_is_refused() -> None:
    with pytest.raises(StoreError, match="must be text, not int"):
        check_name(5)  # type: ignore[arg-type]


def test_a_link_out_of_the_library_is_not_followed(
    tmp_path: Path, library: Library, base: Scenario
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "0001.yaml"
    secret.write_text(dump_scenario(base), encoding="utf-8")
    saved = library.root / "saved"
    saved.mkdir(parents=True)
    (saved / "evil").symlink_to(outside, target_is_directory=True)
    with pytest.raises(StoreError, match="outside the library"):
        library.save("evil", base)
    with pytest.raises(StoreError, match="outside the library"):
        library.load("evil")
    assert library.names() == [BUILTIN]
    assert files_under(outside) == {"0001.yaml"}
    # a version file that is a link out is not listed either
    library.save("ok", base)
    (saved / "ok" / "0002.yaml").symlink_to(secret)
    assert [v.number for v in library.history("ok")] == [1]


def test_saved_folder_linked_out_is_refused(tmp_path: Path, builtin_dir: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "lib"
    root.mkdir()
    (root / "saved").symlink_to(outside, target_is_directory=True)
    library = Library(root, builtin_dir=builtin_dir)
    with pytest.raises(StoreError, match="outside the library"):
        library.entries()


# --- slugs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Community Accelerator 2023!", "community_accelerator_2023"),
        ("Community Accelerator 2020 (first edition)", "community_accelerator_2020_first_edition"),
        ("  Ça va? Élan  ", "ca_va_elan"),
        ("sainte-laguë", "sainte_lague"),
        ("CON", "con_scenario"),
        ("!!!", "scenario"),
        ("", "scenario"),
        ("Программа", "scenario"),
        ("x" * 200, "x" * MAX_NAME_LENGTH),
        ("x" * 79 + " y", "x" * 79),
    ],
)
def test_slugify_examples(title: str, slug: str) -> None:
    assert slugify(title) == slug


@settings(deadline=None, max_examples=300)
@given(st.text())
def test_slugify_always_gives_a_valid_stable_name(title: str) -> None:
    slug = slugify(title)
    assert check_name(slug) == slug
    assert slugify(slug) == slug


# --- concurrency ----------------------------------------------------------------------------


def _no_hard_links(source: object, target: object) -> None:
    raise OSError(errno.EPERM, "Operation not permitted")


@pytest.mark.parametrize("links", ["hard links", "no hard links"])
def test_concurrent_saves_in_threads_all_survive(
    library: Library, base: Scenario, monkeypatch: pytest.MonkeyPatch, links: str
) -> None:
    if links == "no hard links":
        monkeypatch.setattr(os, "link", _no_hard_links)
    count = 8
    scenarios = [variant(base, f"thread {i}") for i in range(count)]
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def save(i: int) -> None:
        try:
            barrier.wait()
            library.save("shared", scenarios[i], f"thread {i}")
        except BaseException as error:  # collected so the test reports it
            errors.append(error)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    history = library.history("shared")
    assert [v.number for v in history] == list(range(1, count + 1))
    loaded = [library.load("shared", v.number) for v in history]
    assert sorted(s.description for s in loaded) == sorted(s.description for s in scenarios)
    # each version's sidecar belongs to its own file
    for version, scenario in zip(history, loaded, strict=True):
        assert version.hash == scenario_hash(scenario)
        assert version.message == scenario.description.replace("variant ", "")


def test_a_taken_number_is_never_overwritten(
    library: Library, base: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every save believes version 1 is free, as a save racing another would: the claim must
    # fail on the taken numbers and move on, never replace them.
    monkeypatch.setattr(store, "_next_number", lambda folder: 1)
    for i in range(1, 4):
        assert library.save("race", variant(base, str(i))).number == i
    for i in range(1, 4):
        assert library.load("race", i) == variant(base, str(i))


PROCESS_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from planning.scenario import load_scenario, replace
    from planning.store import default_library

    label, builtin, go, count = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    base = load_scenario(builtin)
    library = default_library()
    for _ in range(60_000):  # wait for the other process, at most about a minute
        if go.exists():
            break
        time.sleep(0.001)
    for i in range(count):
        scenario = replace(base, {"description": f"variant {label} {i}"})
        library.save("shared", scenario, f"{label} {i}")
    """
)


def test_concurrent_saves_in_processes_all_survive(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    go = tmp_path / "go"
    count = 5
    env = {**os.environ, ENV_VAR: str(root), "PYTHONPATH": str(REPO)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS_SCRIPT, label, str(REAL_BUILTIN), str(go), str(count)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for label in ("a", "b")
    ]
    go.touch()
    for process in processes:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    library = Library(root, builtin_dir=tmp_path / "none")
    history = library.history("shared")
    assert [v.number for v in history] == list(range(1, 2 * count + 1))
    descriptions = {library.load("shared", v.number).description for v in history}
    assert descriptions == {f"variant {p} {i}" for p in ("a", "b") for i in range(count)}


# --- crashes --------------------------------------------------------------------------------


def _crash(*args: object, **kwargs: object) -> None:
    raise OSError(errno.EIO, "Input/output error")


@pytest.mark.parametrize("step", ["link", "fsync", "mkstemp"])
def test_a_failed_save_leaves_the_previous_version_intact(
    library: Library, base: Scenario, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    first = library.save("safe", variant(base, "1"), "good")
    folder = library.root / "saved" / "safe"
    before = files_under(folder)
    target = tempfile if step == "mkstemp" else os
    monkeypatch.setattr(target, step, _crash)
    with pytest.raises(
        StoreError,
        match=r"could not save scenario 'safe': Input/output error; its previous versions are",
    ):
        library.save("safe", variant(base, "2"), "lost")
    monkeypatch.undo()
    assert library.history("safe") == [first]
    assert library.load("safe") == variant(base, "1")
    assert files_under(folder) == before  # no temporary file left, nothing half-written


def test_a_crash_before_the_sidecar_still_lists_the_version(
    library: Library, base: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    library.save("half", variant(base, "1"), "good")
    monkeypatch.setattr(os, "replace", _crash)
    with pytest.raises(StoreError, match="saved as version 2, but its time and message"):
        library.save("half", variant(base, "2"), "lost message")
    monkeypatch.undo()
    folder = library.root / "saved" / "half"
    assert files_under(folder) == {"0001.yaml", "0001.json", "0002.yaml"}
    first, second = library.history("half")
    assert first.message == "good"
    assert second.message == ""
    mtime = (folder / "0002.yaml").stat().st_mtime
    assert second.saved_at == datetime.fromtimestamp(mtime, UTC)
    assert second.hash == scenario_hash(variant(base, "2"))
    assert library.load("half", 2) == variant(base, "2")


def test_a_corrupt_sidecar_is_read_as_missing(library: Library, base: Scenario) -> None:
    library.save("side", base, "hello")
    sidecar = library.root / "saved" / "side" / "0001.json"
    for text in ("{not json", "[1, 2]", '{"saved_at": "yesterday", "message": 5}'):
        sidecar.write_text(text, encoding="utf-8")
        [version] = library.history("side")
        assert version.message == ""
        mtime = (library.root / "saved" / "side" / "0001.yaml").stat().st_mtime
        assert version.saved_at == datetime.fromtimestamp(mtime, UTC)
        assert version.hash == scenario_hash(base)


def test_leftover_temporary_files_are_ignored_then_cleaned(
    library: Library, base: Scenario
) -> None:
    library.save("left", variant(base, "1"))
    folder = library.root / "saved" / "left"
    text = dump_scenario(variant(base, "2"))
    stale = folder / ".tmp-crashed.part"
    stale.write_text(text[: len(text) // 2], encoding="utf-8")  # a truncated write
    an_hour_ago = datetime.now(UTC).timestamp() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    fresh = folder / ".tmp-in-progress.part"
    fresh.write_text(text[:10], encoding="utf-8")
    (folder / ".claim-0007.yaml").touch()
    assert [v.number for v in library.history("left")] == [1]
    assert library.entries()[1].versions == 1
    library.save("left", variant(base, "2"))
    assert not stale.exists()
    assert fresh.exists()  # it may belong to a save still running
    assert [v.number for v in library.history("left")] == [1, 2]


def test_a_folder_with_only_temporary_files_is_not_a_scenario(library: Library) -> None:
    folder = library.root / "saved" / "ghost"
    folder.mkdir(parents=True)
    (folder / ".tmp-x.part").write_text("kind: acc", encoding="utf-8")
    assert library.names() == [BUILTIN]
    assert not library.exists("ghost")


def test_an_unreadable_saved_file_does_not_break_listing(library: Library, base: Scenario) -> None:
    library.save("edited", variant(base, "1"), "good")
    library.save("edited", variant(base, "2"), "later")
    broken = library.root / "saved" / "edited" / "0002.yaml"
    broken.write_text("cohort: [\n", encoding="utf-8")
    assert [v.message for v in library.history("edited")] == ["good", "later"]
    [_, entry] = library.entries()
    assert (entry.name, entry.versions) == ("edited", 2)
    assert library.load("edited", 1) == variant(base, "1")
    with pytest.raises(ScenarioError) as caught:
        library.load("edited")
    assert str(broken) in str(caught.value)
    # an unreadable latest version shows the name, with or without its sidecar
    assert entry.title == "edited"
    assert entry.latest.hash == ""
    (library.root / "saved" / "edited" / "0002.json").unlink()
    [_, entry] = library.entries()
    assert entry.title == "edited"
    assert entry.latest.message == ""
    broken.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        library.load_text("edited")
    assert library.names() == [BUILTIN, "edited"]


def test_a_version_edited_by_hand_shows_its_new_content(library: Library, base: Scenario) -> None:
    saved = library.save("hand", base, "as saved")
    edited = replace(base, {"name": "Edited by hand", "cohort.seats": 60})
    saved.path.write_text(dump_scenario(edited), encoding="utf-8")
    [_, entry] = library.entries()
    assert entry.title == "Edited by hand"
    assert entry.latest.hash == scenario_hash(edited) != saved.hash
    assert entry.latest.message == "as saved"
    assert library.load("hand") == edited


def test_hand_made_file_names_are_ignored(library: Library, base: Scenario) -> None:
    library.save("names", base)
    folder = library.root / "saved" / "names"
    shutil.copyfile(folder / "0001.yaml", folder / "00001.yaml")
    shutil.copyfile(folder / "0001.yaml", folder / "0000.yaml")
    shutil.copyfile(folder / "0001.yaml", folder / "3.yaml")
    assert [v.number for v in library.history("names")] == [1]


# --- where the library is -------------------------------------------------------------------


def test_environment_variable_moves_the_library(
    tmp_path: Path, base: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv(ENV_VAR, str(elsewhere))
    library = default_library()
    assert library.root == elsewhere.resolve()
    # the built-ins still come from the repository
    assert library.builtin_dir == (REPO / "scenarios").resolve()
    assert library.is_builtin(BUILTIN)
    version = library.save("moved", base, "elsewhere")
    assert version.path == elsewhere / "saved" / "moved" / "0001.yaml"
    assert version.path.is_file()
    assert Library(elsewhere, builtin_dir=tmp_path / "none").load("moved") == base


def test_default_library_is_the_repository_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert default_library().root == (REPO / "scenarios").resolve()
    monkeypatch.setenv(ENV_VAR, "   ")
    assert default_library().root == (REPO / "scenarios").resolve()


def test_environment_variable_naming_a_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(a_file))
    with pytest.raises(StoreError, match=f"{ENV_VAR}=.* is a file, not a folder"):
        default_library()
