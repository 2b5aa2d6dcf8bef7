"""The built-in scenarios reproduce what the source documents say (shared/SEED_FACTS.md).

Countries are compared by name: the names are parsed from the source text below and turned
into ISO codes through the reference table's names, never from a list copied from the YAML.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from planning import reference
from planning.scenario import Scenario, load_scenario, validate

from .conftest import BUILTIN_FILES, SCENARIOS

SEED_FACTS = Path("/work/shared/SEED_FACTS.md")

# Verbatim from SEED_FACTS.md (kept here so the tests run where that file is not present;
# test_the_quoted_facts_are_the_seed_facts checks the copy where it is).
FIRST_EDITION_ELIGIBILITY = """\
- Eligibility: community leaders aged 18 or over, residing in one of 13 countries:
  Brazil, United States, Australia, Philippines, Indonesia, Thailand, United Kingdom,
  France, Germany, South Africa, Kenya, Nigeria, Egypt."""
THIRD_EDITION_TRACKS = """\
- Language tracks: Portuguese (Brazil); Spanish (Colombia, Chile, Peru, Mexico,
  Argentina); German (Germany, Switzerland, Austria); Arabic (Egypt, Morocco, Lebanon,
  Jordan, United Arab Emirates); English for all other markets. The documents name only
  these 14 of the 29 countries."""

# ISO 639-1 codes of the languages the tracks are named after.
LANGUAGE_CODES = {"Portuguese": "pt", "Spanish": "es", "German": "de", "Arabic": "ar"}
ENGLISH = "en"


def _words(text: str) -> str:
    return " ".join(text.split())


def first_edition_country_names() -> list[str]:
    match = re.search(r"one of (\d+) countries:(.+?)\.$", _words(FIRST_EDITION_ELIGIBILITY))
    assert match is not None
    names = [name.strip() for name in match.group(2).split(",")]
    assert len(names) == int(match.group(1)) == 13
    return names


def third_edition_tracks() -> dict[str, list[str]]:
    """Language name -> the country names the sources put on that track."""
    text = _words(THIRD_EDITION_TRACKS)
    tracks = {
        language: [name.strip() for name in countries.split(",")]
        for language, countries in re.findall(r"(\w+) \(([^)]*)\)", text)
    }
    assert "English for all other markets" in text
    assert sum(len(names) for names in tracks.values()) == 14
    return tracks


def _normal(name: str) -> str:
    return " ".join(re.sub(r"[^\w,() ]", " ", name.casefold()).split())


def code_for(country: str) -> str:
    """The ISO code whose reference name is this country's name (or it, qualified).

    "Egypt" matches "Egypt" or "Egypt, Arab Rep."; "United States" matches "United States"
    or "United States of America", but not "United States Minor Outlying Islands".
    """
    table = reference.countries()
    columns = [column for column in table.columns if "name" in str(column).lower()]
    assert columns, "the reference table has no name column"
    wanted = _normal(country)
    exact: set[str] = set()
    qualified: set[str] = set()
    for column in columns:
        for code, value in table[column].items():
            if not isinstance(value, str):
                continue
            name = _normal(value)
            if name == wanted:
                exact.add(str(code))
            elif re.fullmatch(re.escape(wanted) + r"(,| \(| of ).*", name):
                qualified.add(str(code))
    found = exact or qualified
    assert len(found) == 1, f"{country!r} names {sorted(found)} in the reference table"
    return found.pop()


@pytest.fixture(scope="module")
def first() -> Scenario:
    return load_scenario(SCENARIOS / "community_accelerator_2020.yaml")


@pytest.fixture(scope="module")
def third() -> Scenario:
    return load_scenario(SCENARIOS / "community_accelerator_2022.yaml")


def test_the_quoted_facts_are_the_seed_facts() -> None:
    if not SEED_FACTS.exists():
        pytest.skip(f"{SEED_FACTS} is not here")
    facts = _words(SEED_FACTS.read_text(encoding="utf-8"))
    assert _words(FIRST_EDITION_ELIGIBILITY) in facts
    assert _words(THIRD_EDITION_TRACKS) in facts


def test_name_matching_finds_the_codes_it_should() -> None:
    # A check on the matcher itself, on names whose codes are not guessable from the name.
    assert code_for("Germany") == "DE"
    assert code_for("United Kingdom") == "GB"
    assert code_for("Switzerland") == "CH"


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=[path.stem for path in BUILTIN_FILES])
def test_every_builtin_validates(path: Path) -> None:
    scenario = load_scenario(path)
    assert validate(scenario) == []


# --- first edition (2020) --------------------------------------------------------------------


def test_first_edition_money_and_seats(first: Scenario) -> None:
    assert first.kind == "accelerator"
    assert first.currency == "USD"
    assert first.budget.total == 3_000_000
    assert first.cohort.seats == 80


def test_first_edition_countries(first: Scenario) -> None:
    expected = {code_for(name) for name in first_edition_country_names()}
    codes = [region.code for region in first.regions]
    assert len(codes) == 13
    assert set(codes) == expected


def test_first_edition_phases(first: Scenario) -> None:
    # 3 months learning (training), then 3 months executing the plan with funding.
    assert [phase.months for phase in first.phases] == [3, 3]
    assert "train" in first.phases[0].name
    assert "execut" in first.phases[1].name
    assert first.months == 6


def test_first_edition_eligibility(first: Scenario) -> None:
    assert first.eligibility.leader_min_age == 18
    assert first.eligibility.community_min_age_months >= 12
    assert first.eligibility.min_members_online == 5_000


def test_first_edition_funding_comes_with_execution(first: Scenario) -> None:
    # "3 months iterating and executing the plan with funding": no grant paid in training.
    assert first.budget.disbursement
    assert {payment.phase for payment in first.budget.disbursement} == {first.phases[1].name}


# --- third edition (2022) --------------------------------------------------------------------


def test_third_edition_length_and_grant(third: Scenario) -> None:
    assert third.months == 4
    assert third.budget.grant_cap == 40_000
    assert third.currency == "USD"


def test_third_edition_has_five_language_tracks(third: Scenario) -> None:
    languages = [track.language for track in third.tracks]
    assert len(languages) == 5
    assert set(languages) == {*LANGUAGE_CODES.values(), ENGLISH}


@pytest.mark.parametrize("language", list(LANGUAGE_CODES))
def test_third_edition_named_countries_are_on_their_track(third: Scenario, language: str) -> None:
    names = third_edition_tracks()[language]
    tracks = {region.code: third.track(region.track) for region in third.regions}
    for name in names:
        code = code_for(name)
        assert code in tracks, f"{name} ({code}) is missing"
        assert tracks[code].language == LANGUAGE_CODES[language], name
    # And no other country is on that language's track.
    on_track = {
        code for code, track in tracks.items() if track.language == LANGUAGE_CODES[language]
    }
    assert on_track == {code_for(name) for name in names}


def test_third_edition_english_holds_the_first_editions_other_countries(
    third: Scenario,
) -> None:
    named = {code_for(name) for names in third_edition_tracks().values() for name in names}
    first_edition = {code_for(name) for name in first_edition_country_names()}
    # 13 first-edition countries, of which Brazil, Germany and Egypt are named on other
    # tracks: 10 on English, 14 + 10 = 24 regions in all.
    others = first_edition - named
    assert len(others) == 10
    english = {
        region.code for region in third.regions if third.track(region.track).language == ENGLISH
    }
    assert english == others
    assert {region.code for region in third.regions} == named | others
    assert len(third.regions) == 24


def test_third_edition_says_the_rest_are_not_named(third: Scenario) -> None:
    text = _words(third.description)
    assert "29 countries" in text
    assert re.search(r"remaining .*not named", text)


def test_third_edition_eligibility(third: Scenario) -> None:
    # "groups of more than 5,000 members"
    assert third.eligibility.min_members_online > 5_000


# --- assumptions are marked ------------------------------------------------------------------


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _line_of(lines: list[str], key: str) -> str:
    (line,) = [line for line in lines if re.match(rf"\s*{key}:", line)]
    return line


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        (
            "community_accelerator_2020.yaml",
            [
                "start_month",
                "method",
                "weight_basis",
                "weight_exponent",
                "expected_applicants",
                "grant_cap",
                "grant_rule",
                "grant_unit",
                "dropout_per_month",
            ],
        ),
        (
            "community_accelerator_2022.yaml",
            [
                "start_month",
                "seats",
                "method",
                "weight_basis",
                "weight_exponent",
                "expected_applicants",
                "total",
                "grant_rule",
                "grant_unit",
                "leader_age_pass_share",
                "dropout_per_month",
            ],
        ),
    ],
)
def test_figures_not_in_the_sources_are_marked(name: str, keys: list[str]) -> None:
    lines = _lines(SCENARIOS / name)
    for key in keys:
        assert "ASSUMPTION" in _line_of(lines, key), key


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("community_accelerator_2020.yaml", ["total", "seats", "leader_min_age"]),
        ("community_accelerator_2022.yaml", ["grant_cap", "min_members_online"]),
    ],
)
def test_figures_from_the_sources_are_not_marked(name: str, keys: list[str]) -> None:
    # The mark must mean something: figures the sources give carry none.
    lines = _lines(SCENARIOS / name)
    for key in keys:
        assert "ASSUMPTION" not in _line_of(lines, key), key


# Figures the sources give, per edition; 0 is the neutral "none" and needs no mark.
SOURCE_FIGURES = {
    "community_accelerator_2020.yaml": {0.0, 3.0, 12.0, 18.0, 80.0, 5_000.0, 3_000_000.0},
    "community_accelerator_2022.yaml": {0.0, 4.0, 5_001.0, 40_000.0},
}


@pytest.mark.parametrize("name", list(SOURCE_FIGURES))
def test_every_unsourced_cohort_or_budget_figure_is_marked(name: str) -> None:
    section = ""
    checked = 0
    for line in _lines(SCENARIOS / name):
        top = re.match(r"(\w+):", line)
        if top:
            section = top.group(1)
            continue
        figure = re.match(r"\s+(\w+):\s*(-?[\d.]+)\s*(#.*)?$", line)
        if (
            section in {"cohort", "budget"}
            and figure
            and float(figure.group(2)) not in SOURCE_FIGURES[name]
        ):
            assert "ASSUMPTION" in (figure.group(3) or ""), line
            checked += 1
    assert checked >= 3  # weight_exponent, expected_applicants, grant_unit at the least
