"""Tests for the shipped reference data (planning/data) and its loaders (planning.reference).

Numbers marked "raw row" were read by hand from the source files in ../shared/data; the
build comparison and the target-country check need that folder and skip without it.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import shutil
import string
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from planning import reference

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "planning" / "data"
SOURCE = ROOT.parent / "shared" / "data"
BUILD_SCRIPT = ROOT / "tools" / "build_reference_data.py"

needs_source = pytest.mark.skipif(
    not (SOURCE / "MANIFEST.md").is_file(),
    reason=f"shared source data not found at {SOURCE}: cannot rebuild or compare against it",
)

NYC_BOROUGHS = {
    5110302: "Brooklyn",
    5133273: "Queens",
    5125771: "Manhattan",
    5110266: "The Bronx",
    5139568: "Staten Island",
}


@pytest.fixture(scope="module")
def build_module() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("build_reference_data", BUILD_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class body runs.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.fixture(scope="module")
def fresh_build(build_module: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (SOURCE / "MANIFEST.md").is_file():
        pytest.skip(f"shared source data not found at {SOURCE}: cannot rebuild")
    target = tmp_path_factory.mktemp("reference_data")
    build_module.build(SOURCE, target)
    return target


def _csv_rows(path: Path, key: str) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row[key]: row for row in csv.DictReader(handle)}


# --- the shipped files are exactly what the script builds -------------------------------------


@needs_source
def test_shipped_files_equal_a_fresh_build(fresh_build: Path) -> None:
    built = sorted(path.name for path in fresh_build.iterdir())
    shipped = sorted(path.name for path in DATA.iterdir() if path.is_file())
    assert built == shipped
    for name in built:
        assert (fresh_build / name).read_bytes() == (DATA / name).read_bytes(), name


@needs_source
def test_build_is_deterministic(build_module: ModuleType, tmp_path: Path) -> None:
    build_module.build(SOURCE, tmp_path / "a")
    build_module.build(SOURCE, tmp_path / "b")
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_build_names_a_wrong_source_folder(build_module: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="--source"):
        build_module.build(tmp_path / "nowhere", tmp_path / "out")


# --- countries ---------------------------------------------------------------------------------


def test_one_row_per_country_code() -> None:
    table = reference.countries()
    assert len(table) == 249  # MANIFEST: country_codes.csv has 249 rows, all with alpha-2
    assert table.index.is_unique
    assert "NA" in table.index  # Namibia, not a missing value
    assert table.loc["NA", "name"] == "Namibia"


@needs_source
def test_the_24_targets_match_target_countries_latest() -> None:
    target = _csv_rows(SOURCE / "target_countries_latest.csv", "iso2")
    shipped = _csv_rows(DATA / "countries.csv", "iso2")
    pairs = {
        "population": "population",
        "gdp_per_capita_usd": "gdp_per_capita_usd",
        "gdp_per_capita_ppp_intl": "gdp_per_capita_ppp",
        "price_level_ratio_usa1": "price_level_ratio",
        "internet_users_pct": "internet_users_pct",
    }
    assert len(target) == 24
    for iso2, expected in target.items():
        row = shipped[iso2]
        assert row["iso3"] == expected["iso3"]
        assert row["m49_region"] == expected["m49_region"]
        assert row["m49_subregion"] == expected["m49_subregion"]
        assert row["languages"] == expected["official_languages_cldr"], iso2
        for target_column, column in pairs.items():
            assert row[column] == expected[target_column], (iso2, column)
            assert row[f"{column}_year"] == expected[f"{target_column}_year"], (iso2, column)
        record = reference.country(iso2)
        assert record.population == int(expected["population"])
        assert record.price_level_ratio == float(expected["price_level_ratio_usa1"])


def test_spot_checks_against_raw_source_rows() -> None:
    brazil = reference.country("BR")
    # raw row, wdi_sp.pop.totl.csv: "Brazil,BRA,2025,212812405" (the newest year for BRA)
    assert (brazil.population, brazil.population_year) == (212_812_405, 2025)
    assert (brazil.iso3, brazil.iso_numeric) == ("BRA", "076")  # country_codes.csv: numeric 76

    namibia = reference.country("NA")
    # raw rows: wdi_sp.pop.totl.csv "Namibia,NAM,2025,3092816";
    # wdi_pa.nus.pppc.rf.csv "Namibia,NAM,2024,0.377622810901028" -> 6 significant: 0.377623
    assert (namibia.population, namibia.population_year) == (3_092_816, 2025)
    assert (namibia.price_level_ratio, namibia.price_level_ratio_year) == (0.377623, 2024)

    lebanon = reference.country("LB")
    # raw rows: wdi_pa.nus.pppc.rf.csv "Lebanon,LBN,2022,0.297..." and "...,2023,0.276562314812753",
    # nothing for 2024: the newest is 2023, 0.276562 to 6 significant digits.
    assert (lebanon.price_level_ratio, lebanon.price_level_ratio_year) == (0.276562, 2023)

    emirates = reference.country("AE")
    # raw row, wdi_ny.gdp.pcap.cd.csv: "United Arab Emirates,ARE,2024,50273.5126243239", no 2025
    assert (emirates.gdp_per_capita_usd, emirates.gdp_per_capita_usd_year) == (50273.5, 2024)

    switzerland = reference.country("CH")
    # raw rows, country_languages_cldr.csv: de 76.0 official, gsw 66.0 de_facto_official,
    # en 45.0 (not official), fr 39.0 official, it 15.0 official, rm 0.5 official_regional.
    assert switzerland.languages == ("de", "gsw", "fr", "it")
    assert switzerland.main_language == "de"

    taiwan = reference.country("TW")
    # No World Bank rows for TWN; CLDR: zh_Hant 95 official, nan_Hant 57, hak_Hant 11 official.
    assert taiwan.population is None
    assert taiwan.wb_region is None
    assert taiwan.languages == ("zh-Hant", "nan-Hant", "hak-Hant")

    antarctica = reference.country("AQ")
    # CLDR lists only "und" (undetermined) for AQ, with no official status.
    assert antarctica.languages == ()
    assert antarctica.main_language is None
    assert antarctica.m49_region is None


def test_names_read_naturally() -> None:
    expected = {
        "US": "United States",
        "GB": "United Kingdom",
        "EG": "Egypt",
        "BA": "Bosnia and Herzegovina",
        "TT": "Trinidad and Tobago",  # CLDR: "Trinidad & Tobago"
        "CD": "Democratic Republic of the Congo",
    }
    for iso2, name in expected.items():
        assert reference.country(iso2).name == name


def test_country_record_fields_are_typed() -> None:
    record = reference.country("MA")
    assert isinstance(record.population, int)
    assert isinstance(record.internet_users_pct, float)
    assert isinstance(record.population_year, int)
    # MANIFEST: Morocco's newest internet figure is 2022; raw row "Morocco,MAR,2022,89.9".
    assert (record.internet_users_pct, record.internet_users_pct_year) == (89.9, 2022)
    assert record.languages == ("ar", "fr", "tzm")


def test_numeric_columns_have_no_exponents_or_bad_years() -> None:
    table = reference.countries()
    for column in ("population_year", "internet_users_pct_year", "price_level_ratio_year"):
        years = table[column].dropna()
        assert years.between(1960, 2025).all(), column
    text = (DATA / "countries.csv").read_text(encoding="utf-8")
    assert "e+" not in text
    assert "e-0" not in text
    assert table["price_level_ratio"].dropna().gt(0).all()
    assert table["internet_users_pct"].dropna().between(0, 100).all()


def test_every_numeric_map_id_has_a_country_row() -> None:
    topology = reference.world_topojson()
    ids = {
        geometry["id"]
        for geometry in topology["objects"]["countries"]["geometries"]
        if str(geometry.get("id", "")).isdigit()
    }
    # MANIFEST: 177 shapes; N. Cyprus, Somaliland and Kosovo have no id.
    assert len(ids) == 174
    assert ids <= set(reference.countries()["iso_numeric"])


# --- US cities and states ----------------------------------------------------------------------


def test_no_nyc_boroughs_and_new_york_city_stays() -> None:
    cities = reference.us_cities()
    new_york = cities[cities["state_code"] == "NY"]
    assert not set(NYC_BOROUGHS) & set(cities["geonameid"])
    assert not set(NYC_BOROUGHS.values()) & set(new_york["name"])
    # raw row: "5128581,New York City,NY,New York,8804190,40.71427,-74.00597,..."
    nyc = cities[cities["geonameid"] == 5128581].iloc[0]
    assert (nyc["name"], nyc["population"]) == ("New York City", 8_804_190)


def test_cities_are_unique_and_sorted() -> None:
    cities = reference.us_cities()
    assert not cities.duplicated(["name", "state_code"]).any()
    assert cities["geonameid"].is_unique
    order = cities.sort_values(["population", "geonameid"], ascending=[False, True])
    assert order.index.equals(cities.index)
    assert cities["population"].min() >= 15_000  # GeoNames cities15000


@needs_source
def test_cities_keep_every_person_not_left_out(build_module: ModuleType) -> None:
    raw = pd.read_csv(SOURCE / "us_cities_geonames.csv")
    left_out = {geonameid for geonameid, *_ in build_module.EXCLUDED_CITIES}
    expected = raw[~raw["geonameid"].isin(left_out)]
    cities = reference.us_cities()
    assert len(cities) == len(expected)
    assert cities["population"].sum() == expected["population"].sum()


@needs_source
def test_each_left_out_city_points_at_a_nearby_kept_city(build_module: ModuleType) -> None:
    raw = pd.read_csv(SOURCE / "us_cities_geonames.csv", keep_default_na=False)
    by_id = raw.set_index("geonameid")
    kept = set(reference.us_cities()["geonameid"])
    for geonameid, name, state, counted_in, _ in build_module.EXCLUDED_CITIES:
        assert geonameid not in kept
        assert counted_in in kept, (geonameid, name)
        here, there = by_id.loc[geonameid], by_id.loc[counted_in]
        assert (here["name"], here["state_code"]) == (name, state)
        assert there["state_code"] == state, (geonameid, name)
        # Equirectangular distance is plenty at this scale; the farthest pair is Vincent's
        # two rows (~48 km), then West Hills in Los Angeles (~40 km from the centre).
        mean_latitude = math.radians((here["latitude"] + there["latitude"]) / 2)
        dx = math.radians(here["longitude"] - there["longitude"]) * math.cos(mean_latitude)
        dy = math.radians(here["latitude"] - there["latitude"])
        assert 6371 * math.hypot(dx, dy) < 50, (geonameid, name)


def test_same_name_rows_keep_the_most_populous(
    build_module: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "maps").mkdir()
    shutil.copyfile(DATA / "us-states-10m.json", tmp_path / "maps" / "us-states-10m.json")
    header = "geonameid,name,state_code,state_name,population,latitude,longitude,timezone\n"
    rows = [
        "1,Springfield,IL,Illinois,50000,39.8,-89.6,America/Chicago",
        "2,Springfield,IL,Illinois,90000,39.8,-89.7,America/Chicago",
        "3,Springfield,MA,Massachusetts,70000,42.1,-72.6,America/New_York",
        "5,Dover,DE,Delaware,30000,39.2,-75.5,America/New_York",
        "4,Dover,DE,Delaware,30000,39.1,-75.5,America/New_York",
    ]
    (tmp_path / "us_cities_geonames.csv").write_text(header + "\n".join(rows) + "\n")
    monkeypatch.setattr(build_module, "EXCLUDED_CITIES", ())
    cities, left_out = build_module.build_us_cities(tmp_path)
    # Springfield IL: 90,000 beats 50,000; Springfield MA is another state; Dover ties on
    # 30,000, so the lower geonameid (4) stays.
    assert cities["geonameid"].to_list() == ["2", "3", "4"]
    assert sorted(left_out["geonameid"]) == [1, 5]
    assert cities["state_fips"].to_list() == ["17", "25", "10"]


def test_states_are_the_50_and_dc_with_map_fips() -> None:
    states = reference.us_states()
    assert len(states) == 51
    assert "DC" in states.index
    assert "PR" not in states.index
    shapes = {
        geometry["id"]: geometry["properties"]["name"]
        for geometry in reference.us_topojson()["objects"]["states"]["geometries"]
    }
    for code, row in states.iterrows():
        assert shapes[row["state_fips"]] == row["state_name"], code
    # FIPS codes from the Census Bureau's list: California 06, New York 36, DC 11, Wyoming 56.
    assert states.loc[["CA", "NY", "DC", "WY"], "state_fips"].to_list() == ["06", "36", "11", "56"]


def test_census_regions_follow_the_census_bureau() -> None:
    states = reference.us_states()
    # Census Regions and Divisions of the United States: Northeast 9 states, Midwest 12,
    # South 16 + DC, West 13; divisions 6, 3, 5, 7, 8 + DC, 4, 4, 8, 5.
    assert states["census_region"].value_counts().to_dict() == {
        "South": 17,
        "West": 13,
        "Midwest": 12,
        "Northeast": 9,
    }
    divisions = states["census_division"].value_counts().to_dict()
    assert divisions == {
        "South Atlantic": 9,
        "Mountain": 8,
        "West North Central": 7,
        "New England": 6,
        "East North Central": 5,
        "Pacific": 5,
        "East South Central": 4,
        "West South Central": 4,
        "Middle Atlantic": 3,
    }
    assert states.loc["DE", "census_division"] == "South Atlantic"
    assert states.loc["MO", "census_division"] == "West North Central"
    assert states.loc["OK", "census_region"] == "South"


def test_city_state_columns_agree_with_the_state_table() -> None:
    cities = reference.us_cities()
    states = reference.us_states()
    joined = cities.merge(states, left_on="state_code", right_index=True, suffixes=("", "_state"))
    for column in ("state_name", "state_fips", "census_region", "census_division"):
        assert (joined[column] == joined[f"{column}_state"]).all(), column
    assert set(cities["state_code"]) == set(states.index)


# --- loaders: copies, errors, suggestions -------------------------------------------------------


def test_loaders_return_copies() -> None:
    table = reference.countries()
    table.loc["BR", "population"] = 1
    del table["name"]
    assert reference.countries().loc["BR", "population"] == 212_812_405
    assert reference.countries().loc["BR", "name"] == "Brazil"
    cities = reference.us_cities()
    cities["population"] = 0
    assert reference.us_cities()["population"].max() == 8_804_190
    states = reference.us_states()
    states["state_fips"] = "00"
    assert reference.us_states().loc["CA", "state_fips"] == "06"
    topology = reference.world_topojson()
    topology["objects"].clear()
    assert "countries" in reference.world_topojson()["objects"]


def test_country_accepts_lower_case_and_spaces() -> None:
    assert reference.country(" br ") == reference.country("BR")


@pytest.mark.parametrize(
    ("code", "fragments"),
    [
        ("XX", ["unknown country code 'XX'", "alpha-2", "'BR'"]),
        ("BRA", ["'BRA'", "alpha-3", "use 'BR'"]),
        ("UK", ["'UK'", "use 'GB'"]),
        ("Germany", ["'Germany'", "did you mean 'DE' (Germany)"]),
        ("", ["missing country code", "'BR'"]),
    ],
)
def test_unknown_codes_raise_clear_key_errors(code: str, fragments: list[str]) -> None:
    with pytest.raises(KeyError) as caught:
        reference.country(code)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message


def test_a_non_string_code_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="string such as 'BR'"):
        reference.country(76)  # type: ignore[arg-type]


def test_suggestions_rank_codes_before_names() -> None:
    assert reference.suggest_country("bra")[0] == "BR"  # alpha-3
    assert reference.suggest_country("76") == ["BR"]  # numeric 076
    # Names with "ger": Germany starts with it; Algeria, Niger, Nigeria contain it.
    assert reference.suggest_country("ger") == ["DE", "DZ", "NE", "NG"]
    assert reference.suggest_country("cote d'ivoire") == ["CI"]  # CLDR: Côte d’Ivoire
    assert reference.suggest_country("  ") == []


def _folded(text: str) -> str:
    # Independent of the module's folding: drop everything outside ASCII after NFKD, once the
    # curly apostrophe (Côte d’Ivoire) is read as a straight one.
    plain = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return plain.encode("ascii", "ignore").decode().casefold()


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=string.ascii_letters, min_size=1, max_size=4))
@example("di")  # must not match "Côte d’Ivoire" across the apostrophe
@example("uk")
def test_suggestions_are_exactly_the_matching_countries(text: str) -> None:
    table = reference.countries()
    query = text.casefold()
    expected = {
        str(iso2)
        for iso2, iso3, name in zip(table.index, table["iso3"], table["name"], strict=True)
        if query in _folded(str(name)) or query in (str(iso2).casefold(), str(iso3).casefold())
    }
    expected |= {"UK": {"GB"}, "EL": {"GR"}}.get(text.upper(), set())
    suggestions = reference.suggest_country(text)
    assert len(suggestions) == len(set(suggestions))
    assert set(suggestions) == expected


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(pd.read_csv(DATA / "countries.csv", keep_default_na=False)["iso2"])))
def test_every_code_suggests_itself_first(iso2: str) -> None:
    assert reference.suggest_country(iso2.lower())[0] == iso2
    assert reference.country(iso2.lower()).iso2 == iso2
