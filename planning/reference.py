"""Reference data shipped with the planning core: countries, US cities and states, maps.

The files live in ``planning/data/``; ``tools/build_reference_data.py`` rebuilds them from
the shared sources, and ``planning/data/README.md`` gives each file's source, year and
licence. Each loader reads its file once (``functools.lru_cache``) and returns a copy, so a
caller that edits the table it got cannot change what the next caller sees.

Glossary
--------
ISO alpha-2 code
    The two-letter ISO 3166-1 code of a country or territory (``BR`` for Brazil, ``NA`` for
    Namibia); the key of :func:`countries` and :func:`country`.
latest value
    The newest year with a value for that country and indicator. Years differ between
    countries, so every indicator has a ``*_year`` column beside it.
price level ratio
    World Bank PA.NUS.PPPC.RF: what a basket costs at the market exchange rate relative to the
    United States (USA = 1). A grant of 1,000 USD buys about as much in a country at 0.4 as
    400 USD buys in the United States.
FIPS code
    The two-digit US state code (``06`` for California): the ``id`` of a state in the US map.
"""

from __future__ import annotations

import functools
import io
import json
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pandas as pd

_DATA = resources.files("planning").joinpath("data")

_COUNTRY_TEXT = (
    "iso2",
    "iso3",
    "iso_numeric",
    "name",
    "m49_region",
    "m49_subregion",
    "wb_region",
    "income_group",
    "languages",
    "main_language",
)
_COUNTRY_FLOAT = (
    "internet_users_pct",
    "price_level_ratio",
    "gdp_per_capita_usd",
    "gdp_per_capita_ppp",
)
_COUNTRY_INT = (
    "population",
    "population_year",
    "internet_users_pct_year",
    "price_level_ratio_year",
    "gdp_per_capita_usd_year",
    "gdp_per_capita_ppp_year",
)
_CITY_TEXT = ("name", "state_code", "state_name", "state_fips", "census_region", "census_division")
_STATE_TEXT = ("state_code", "state_name", "state_fips", "census_region", "census_division")
_EXAMPLE = "use an ISO 3166-1 alpha-2 code such as 'BR'"
# Codes people reach for that ISO 3166-1 does not assign (UK and EL are EU usage).
_NOT_ISO = {"UK": "GB", "EL": "GR"}


class UnknownCodeError(KeyError):
    """A code that the reference data does not have; the message says what to use instead."""

    def __str__(self) -> str:
        # KeyError's own __str__ shows the repr of its argument, quotes and all.
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class CountryRecord:
    """One row of :func:`countries`, typed; ``None`` where the source has no value."""

    iso2: str
    iso3: str
    iso_numeric: str
    name: str
    m49_region: str | None
    m49_subregion: str | None
    wb_region: str | None
    income_group: str | None
    population: int | None
    population_year: int | None
    internet_users_pct: float | None
    internet_users_pct_year: int | None
    price_level_ratio: float | None
    price_level_ratio_year: int | None
    gdp_per_capita_usd: float | None
    gdp_per_capita_usd_year: int | None
    gdp_per_capita_ppp: float | None
    gdp_per_capita_ppp_year: int | None
    languages: tuple[str, ...]
    main_language: str | None


def _read_bytes(name: str) -> bytes:
    return _DATA.joinpath(name).read_bytes()


def _read_table(name: str, dtypes: dict[str, str]) -> pd.DataFrame:
    # keep_default_na=False so Namibia's code "NA" stays text; only blank cells are missing.
    return pd.read_csv(
        io.BytesIO(_read_bytes(name)),
        dtype=dtypes,
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8",
    )


@functools.lru_cache(maxsize=1)
def _countries_table() -> pd.DataFrame:
    dtypes = {
        **dict.fromkeys(_COUNTRY_TEXT, "str"),
        **dict.fromkeys(_COUNTRY_FLOAT, "float64"),
        **dict.fromkeys(_COUNTRY_INT, "Int64"),
    }
    return _read_table("countries.csv", dtypes).set_index("iso2", drop=True)


@functools.lru_cache(maxsize=1)
def _us_cities_table() -> pd.DataFrame:
    dtypes = {
        "geonameid": "int64",
        **dict.fromkeys(_CITY_TEXT, "str"),
        "population": "int64",
        "latitude": "float64",
        "longitude": "float64",
    }
    return _read_table("us_cities.csv", dtypes)


@functools.lru_cache(maxsize=1)
def _us_states_table() -> pd.DataFrame:
    dtypes = dict.fromkeys(_STATE_TEXT, "str")
    return _read_table("us_states.csv", dtypes).set_index("state_code", drop=True)


@functools.lru_cache(maxsize=2)
def _map_bytes(name: str) -> bytes:
    return _read_bytes(name)


def countries() -> pd.DataFrame:
    """Return the country table, indexed by ISO alpha-2 code.

    Returns
    -------
    pandas.DataFrame
        A fresh copy (safe to modify), one row per ISO 3166-1 code, columns as in
        ``planning/data/README.md``; indicators are floats (population and years ``Int64``),
        missing values are NA.
    """
    return _countries_table().copy()


def _plain_text(text: str) -> str:
    """Fold case, accents and curly apostrophes, so 'cote d'ivoire' finds Côte d’Ivoire."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def suggest_country(text: str) -> list[str]:
    """Return ISO alpha-2 codes whose code or name matches ``text``, best first.

    Parameters
    ----------
    text
        A code (alpha-2, alpha-3 or numeric; ``UK`` finds ``GB``) or part of a name; case and
        accents are ignored.

    Returns
    -------
    list[str]
        Exact code matches first, then names equal to, starting with, and containing the
        text (each group by name). Empty when nothing matches or the text is blank.
    """
    query = _plain_text(str(text))
    if not query:
        return []
    table = _countries_table()
    numeric = query.zfill(3) if query.isdigit() else None
    alias = _NOT_ISO.get(query.upper())
    ranked: list[tuple[int, str, str]] = []
    for iso2, iso3, iso_numeric, name in zip(
        table.index, table["iso3"], table["iso_numeric"], table["name"], strict=True
    ):
        plain_name = _plain_text(str(name))
        codes = (str(iso2).casefold(), str(iso3).casefold())
        if query in codes or iso2 == alias or iso_numeric == numeric:
            rank = 0
        elif plain_name == query:
            rank = 1
        elif plain_name.startswith(query):
            rank = 2
        elif query in plain_name:
            rank = 3
        else:
            continue
        ranked.append((rank, plain_name, str(iso2)))
    return [iso2 for _, _, iso2 in sorted(ranked)]


def _unknown_country_message(given: str) -> str:
    table = _countries_table()
    code = given.upper()
    if code in _NOT_ISO:
        return f"unknown country code '{given}': not an ISO code; use '{_NOT_ISO[code]}'"
    by_iso3 = table.index[table["iso3"] == code].to_list()
    if by_iso3:
        return f"unknown country code '{given}': that is an ISO alpha-3 code; use '{by_iso3[0]}'"
    suggestions = suggest_country(given)[:3]
    hint = ""
    if suggestions:
        names = ", ".join(f"'{iso2}' ({table.loc[iso2, 'name']!s})" for iso2 in suggestions)
        hint = f"; did you mean {names}?"
    return f"unknown country code '{given}': {_EXAMPLE}{hint}"


def _optional_text(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def _optional_int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(str(value))  # type: ignore[call-overload]


def _optional_float(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(str(value))  # type: ignore[call-overload]


@functools.cache
def _country_record(code: str) -> CountryRecord:
    row = _countries_table().loc[code]
    languages = _optional_text(row["languages"])
    return CountryRecord(
        iso2=code,
        iso3=str(row["iso3"]),
        iso_numeric=str(row["iso_numeric"]),
        name=str(row["name"]),
        m49_region=_optional_text(row["m49_region"]),
        m49_subregion=_optional_text(row["m49_subregion"]),
        wb_region=_optional_text(row["wb_region"]),
        income_group=_optional_text(row["income_group"]),
        population=_optional_int(row["population"]),
        population_year=_optional_int(row["population_year"]),
        internet_users_pct=_optional_float(row["internet_users_pct"]),
        internet_users_pct_year=_optional_int(row["internet_users_pct_year"]),
        price_level_ratio=_optional_float(row["price_level_ratio"]),
        price_level_ratio_year=_optional_int(row["price_level_ratio_year"]),
        gdp_per_capita_usd=_optional_float(row["gdp_per_capita_usd"]),
        gdp_per_capita_usd_year=_optional_int(row["gdp_per_capita_usd_year"]),
        gdp_per_capita_ppp=_optional_float(row["gdp_per_capita_ppp"]),
        gdp_per_capita_ppp_year=_optional_int(row["gdp_per_capita_ppp_year"]),
        languages=tuple(languages.split()) if languages else (),
        main_language=_optional_text(row["main_language"]),
    )


def country(iso2: str) -> CountryRecord:
    """Return one country's reference record.

    Parameters
    ----------
    iso2
        ISO 3166-1 alpha-2 code, e.g. ``"BR"``; case and surrounding spaces are ignored.

    Returns
    -------
    CountryRecord
        The typed row; optional fields are ``None`` where the source has no value.

    Raises
    ------
    UnknownCodeError
        A ``KeyError`` whose message names the code, says to use an alpha-2 code such as
        ``'BR'``, and suggests matches (an alpha-3 code gets its alpha-2 twin).
    TypeError
        If ``iso2`` is not a string.
    """
    if not isinstance(iso2, str):
        raise TypeError(
            f"country code must be a string such as 'BR', not {type(iso2).__name__} {iso2!r}"
        )
    given = iso2.strip()
    code = given.upper()
    if not code:
        raise UnknownCodeError(f"missing country code: {_EXAMPLE}")
    if code not in _countries_table().index:
        raise UnknownCodeError(_unknown_country_message(given))
    return _country_record(code)


def us_cities() -> pd.DataFrame:
    """Return US places of 15,000+ people, boroughs and other sections of cities removed.

    Returns
    -------
    pandas.DataFrame
        A fresh copy: geonameid, name, state_code, state_name, state_fips, census_region,
        census_division, population, latitude, longitude; sorted by population, descending.
    """
    return _us_cities_table().copy()


def us_states() -> pd.DataFrame:
    """Return the 50 states and DC, indexed by USPS code (``"CA"``).

    Returns
    -------
    pandas.DataFrame
        A fresh copy: state_name, state_fips (2-digit text), census_region, census_division.
    """
    return _us_states_table().copy()


def world_topojson() -> dict[str, Any]:
    """Return the world map (world-atlas 110m) as a new TopoJSON dict.

    Returns
    -------
    dict[str, Any]
        Object ``countries``, each geometry's ``id`` the ISO 3166-1 numeric code as text.
    """
    parsed: dict[str, Any] = json.loads(_map_bytes("world-110m.json"))
    return parsed


def us_topojson() -> dict[str, Any]:
    """Return the US map (us-atlas 10m) as a new TopoJSON dict.

    Returns
    -------
    dict[str, Any]
        Objects ``states`` (``id`` = 2-digit FIPS code) and ``nation``; unprojected.
    """
    parsed: dict[str, Any] = json.loads(_map_bytes("us-states-10m.json"))
    return parsed
