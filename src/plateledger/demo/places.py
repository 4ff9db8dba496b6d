"""Real places for the demo network: metro areas and arterial corridors, as literal data.

Each corridor is a polyline of real intersections or interchanges (approximate coordinates,
good to a few hundred metres), listed in its *forward* direction. The network builder puts one
camera per direction at every vertex. Bounding boxes are set by hand from the metro's extent and
are independent of the camera positions, so a test can check the cameras fall inside them.
"""

from __future__ import annotations

from dataclasses import dataclass

Point = tuple[float, float, str]  # lat, lon, cross street / interchange


@dataclass(frozen=True, slots=True)
class City:
    """A metro area that traffic circulates in. ``bbox`` is (min_lat, min_lon, max_lat, max_lon)."""

    id: str
    name: str
    state: str
    tz: str
    std_utc_offset: int  # hours, used only when the IANA time-zone database is missing
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class CorridorSpec:
    """A road owned (camera-wise) by one agency: ``points`` in forward order."""

    city_id: str
    agency_id: str
    road: str
    freeway: bool
    points: tuple[Point, ...]


CITIES: tuple[City, ...] = (
    City("chicago", "Chicago", "IL", "America/Chicago", -6, (41.64, -87.94, 42.03, -87.52)),
    City("danville", "Danville", "IL", "America/Chicago", -6, (40.07, -87.70, 40.19, -87.55)),
    City("san-mateo", "San Mateo", "CA", "America/Los_Angeles", -8,
         (37.50, -122.37, 37.61, -122.26)),
    City("los-angeles", "Los Angeles", "CA", "America/Los_Angeles", -8,
         (33.90, -118.55, 34.20, -118.15)),
    City("san-francisco", "San Francisco", "CA", "America/Los_Angeles", -8,
         (37.70, -122.52, 37.82, -122.38)),
    City("richmond", "Richmond", "VA", "America/New_York", -5, (37.45, -77.58, 37.62, -77.38)),
    City("fairfax", "Fairfax County", "VA", "America/New_York", -5,
         (38.60, -77.55, 39.05, -77.03)),
    City("seattle", "Seattle", "WA", "America/Los_Angeles", -8,
         (47.40, -122.45, 47.80, -122.22)),
    City("houston", "Houston", "TX", "America/Chicago", -6, (29.55, -95.70, 30.05, -95.10)),
    City("dallas", "Dallas", "TX", "America/Chicago", -6, (32.60, -96.98, 33.02, -96.55)),
    City("portland", "Portland", "OR", "America/Los_Angeles", -8,
         (45.42, -122.80, 45.63, -122.47)),
    City("joplin", "Joplin", "MO", "America/Chicago", -6, (37.02, -94.58, 37.14, -94.42)),
    City("kansas-city", "Kansas City", "MO", "America/Chicago", -6,
         (38.90, -94.68, 39.20, -94.45)),
)  # fmt: skip


def _c(city: str, agency: str, road: str, points: tuple[Point, ...]) -> CorridorSpec:
    freeway = road.startswith(("I-", "US-", "SR-"))
    return CorridorSpec(city, agency, road, freeway, points)


CORRIDORS: tuple[CorridorSpec, ...] = (
    # --- Chicago metro -------------------------------------------------------------------
    _c("chicago", "il-chicago-pd", "Lake Shore Dr", (
        (41.7845, -87.5790, "Hayes Dr"), (41.8092, -87.5903, "47th St"),
        (41.8385, -87.6075, "31st St"), (41.8670, -87.6142, "Roosevelt Rd"),
        (41.9002, -87.6238, "Oak St"), (41.9260, -87.6330, "Fullerton Pkwy"))),
    _c("chicago", "il-chicago-pd", "Western Ave", (
        (41.7795, -87.6836, "63rd St"), (41.8085, -87.6845, "47th St"),
        (41.8520, -87.6858, "Cermak Rd"), (41.8810, -87.6866, "Madison St"),
        (41.9100, -87.6873, "North Ave"), (41.9395, -87.6880, "Belmont Ave"))),
    _c("chicago", "il-chicago-pd", "I-90/94", (
        (41.7797, -87.6300, "63rd St"), (41.8090, -87.6305, "47th St"),
        (41.8525, -87.6312, "Cermak Rd"), (41.8777, -87.6466, "Jackson Blvd"),
        (41.9105, -87.6617, "North Ave"), (41.9390, -87.7105, "Belmont Ave"))),
    _c("chicago", "il-chicago-pd", "Irving Park Rd", (
        (41.9535, -87.7475, "Cicero Ave"), (41.9538, -87.7275, "Pulaski Rd"),
        (41.9541, -87.7078, "Kedzie Ave"), (41.9543, -87.6885, "Western Ave"),
        (41.9544, -87.6688, "Ashland Ave"))),
    _c("chicago", "il-cook-county-sheriff", "Harlem Ave", (
        (41.8515, -87.8037, "Cermak Rd"), (41.8660, -87.8040, "Roosevelt Rd"),
        (41.9090, -87.8060, "North Ave"), (41.9380, -87.8065, "Belmont Ave"))),
    _c("chicago", "il-cook-county-sheriff", "Cermak Rd", (
        (41.8510, -87.7840, "Ridgeland Ave"), (41.8513, -87.7743, "Austin Blvd"),
        (41.8516, -87.7450, "Cicero Ave"))),
    _c("chicago", "il-state-police", "I-55", (
        (41.8410, -87.6750, "Damen Ave"), (41.8230, -87.7180, "Pulaski Rd"),
        (41.8100, -87.7440, "Cicero Ave"), (41.7930, -87.8010, "Harlem Ave"))),
    _c("chicago", "il-state-police", "I-290", (
        (41.8749, -87.6857, "Western Ave"), (41.8737, -87.7265, "Pulaski Rd"),
        (41.8757, -87.7740, "Austin Blvd"), (41.8740, -87.8040, "Harlem Ave"))),
    # --- Danville, IL ----------------------------------------------------------------------
    _c("danville", "il-danville-pd", "Gilbert St", (
        (40.1090, -87.6300, "Voorhees St"), (40.1245, -87.6302, "Main St"),
        (40.1330, -87.6301, "Fairchild St"), (40.1500, -87.6300, "Winter Ave"))),
    _c("danville", "il-danville-pd", "Main St", (
        (40.1245, -87.6570, "Bowman Ave"), (40.1245, -87.6440, "Logan Ave"),
        (40.1246, -87.6310, "Vermilion St"), (40.1247, -87.6190, "Jackson St"))),
    # --- San Mateo, CA ---------------------------------------------------------------------
    _c("san-mateo", "ca-san-mateo-pd", "El Camino Real", (
        (37.5810, -122.3480, "Peninsula Ave"), (37.5640, -122.3290, "3rd Ave"),
        (37.5520, -122.3140, "20th Ave"), (37.5385, -122.2990, "Hillsdale Blvd"))),
    _c("san-mateo", "ca-san-mateo-pd", "US-101", (
        (37.5840, -122.3330, "Peninsula Ave"), (37.5620, -122.3010, "3rd Ave"),
        (37.5560, -122.2930, "SR-92"), (37.5440, -122.2870, "Hillsdale Blvd"))),
    _c("san-mateo", "ca-san-mateo-pd", "SR-92", (
        (37.5340, -122.3360, "Alameda de las Pulgas"), (37.5468, -122.3150, "El Camino Real"),
        (37.5620, -122.2780, "Mariners Island Blvd"))),
    # --- Los Angeles, CA -------------------------------------------------------------------
    _c("los-angeles", "ca-los-angeles-pd", "Wilshire Blvd", (
        (34.0625, -118.2917, "Vermont Ave"), (34.0618, -118.3090, "Western Ave"),
        (34.0625, -118.3441, "La Brea Ave"), (34.0646, -118.3760, "La Cienega Blvd"),
        (34.0590, -118.4440, "Westwood Blvd"))),
    _c("los-angeles", "ca-los-angeles-pd", "I-405", (
        (33.9310, -118.3700, "Imperial Hwy"), (33.9880, -118.3930, "Slauson Ave"),
        (34.0180, -118.4210, "Venice Blvd"), (34.0590, -118.4460, "Wilshire Blvd"),
        (34.1290, -118.4740, "Mulholland Dr"))),
    _c("los-angeles", "ca-los-angeles-pd", "I-10", (
        (34.0370, -118.2918, "Vermont Ave"), (34.0360, -118.3350, "Crenshaw Blvd"),
        (34.0320, -118.3780, "La Cienega Blvd"), (34.0215, -118.4160, "Overland Ave"),
        (34.0263, -118.4510, "Bundy Dr"))),
    # --- San Francisco, CA -----------------------------------------------------------------
    _c("san-francisco", "ca-san-francisco-pd", "Van Ness Ave", (
        (37.7752, -122.4193, "Market St"), (37.7853, -122.4215, "Geary Blvd"),
        (37.7905, -122.4225, "California St"), (37.8000, -122.4245, "Lombard St"))),
    _c("san-francisco", "ca-san-francisco-pd", "Geary Blvd", (
        (37.7845, -122.4230, "Van Ness Ave"), (37.7830, -122.4390, "Divisadero St"),
        (37.7818, -122.4470, "Masonic Ave"), (37.7805, -122.4720, "Park Presidio Blvd"),
        (37.7793, -122.4930, "33rd Ave"))),
    _c("san-francisco", "ca-san-francisco-pd", "19th Ave", (
        (37.7655, -122.4770, "Lincoln Way"), (37.7430, -122.4755, "Taraval St"),
        (37.7345, -122.4750, "Sloat Blvd"), (37.7215, -122.4750, "Holloway Ave"))),
    # --- Richmond, VA ----------------------------------------------------------------------
    _c("richmond", "va-richmond-pd", "Broad St", (
        (37.5430, -77.4370, "7th St"), (37.5520, -77.4520, "Belvidere St"),
        (37.5600, -77.4720, "Boulevard"), (37.5720, -77.4900, "Staples Mill Rd"))),
    _c("richmond", "va-richmond-pd", "I-95", (
        (37.5060, -77.4260, "Maury St"), (37.5380, -77.4280, "Broad St"),
        (37.5580, -77.4380, "Boulevard"), (37.6030, -77.4500, "Parham Rd"))),
    _c("richmond", "va-richmond-pd", "Hull St", (
        (37.5180, -77.4460, "Cowardin Ave"), (37.5030, -77.4700, "Belt Blvd"),
        (37.4880, -77.4960, "Chippenham Pkwy"))),
    # --- Fairfax County, VA ----------------------------------------------------------------
    _c("fairfax", "va-fairfax-county-pd", "US-50", (
        (38.8710, -77.2270, "Gallows Rd"), (38.8700, -77.2530, "Nutley St"),
        (38.8750, -77.3800, "Fair Lakes Pkwy"), (38.8810, -77.4050, "Stringfellow Rd"))),
    _c("fairfax", "va-fairfax-county-pd", "I-66", (
        (38.8785, -77.2545, "Nutley St"), (38.8700, -77.3050, "Chain Bridge Rd"),
        (38.8630, -77.3560, "Fair Oaks"), (38.8430, -77.4320, "Centreville Rd"))),
    _c("fairfax", "va-fairfax-county-pd", "Richmond Hwy", (
        (38.7930, -77.0740, "Huntington Ave"), (38.7650, -77.0830, "Lockheed Blvd"),
        (38.7420, -77.0950, "Buckman Rd"))),
    # --- Seattle, WA -----------------------------------------------------------------------
    _c("seattle", "wa-seattle-pd", "Aurora Ave N", (
        (47.6620, -122.3470, "N 46th St"), (47.6900, -122.3446, "N 85th St"),
        (47.7040, -122.3446, "N 105th St"), (47.7240, -122.3446, "N 130th St"),
        (47.7340, -122.3447, "N 145th St"))),
    _c("seattle", "wa-seattle-pd", "I-5", (
        (47.5720, -122.3205, "S Spokane St"), (47.6242, -122.3260, "Mercer St"),
        (47.6610, -122.3220, "NE 45th St"), (47.7080, -122.3240, "Northgate Way"),
        (47.7340, -122.3220, "NE 145th St"))),
    _c("seattle", "wa-seattle-pd", "Rainier Ave S", (
        (47.5957, -122.3115, "S Dearborn St"), (47.5598, -122.2866, "S Edmunds St"),
        (47.5376, -122.2750, "S Othello St"), (47.5230, -122.2680, "S Henderson St"))),
    _c("seattle", "wa-king-county-sheriff", "16th Ave SW", (
        (47.5170, -122.3550, "SW Roxbury St"), (47.5060, -122.3550, "SW 107th St"),
        (47.4980, -122.3550, "SW 116th St"))),
    _c("seattle", "wa-king-county-sheriff", "International Blvd", (
        (47.4710, -122.2960, "S 154th St"), (47.4480, -122.2960, "S 170th St"),
        (47.4330, -122.2960, "S 188th St"))),
    # --- Houston, TX -----------------------------------------------------------------------
    _c("houston", "tx-houston-pd", "I-45", (
        (29.6560, -95.2330, "Edgebrook Dr"), (29.6850, -95.2730, "Broadway St"),
        (29.7600, -95.3730, "Allen Pkwy"), (29.8320, -95.3860, "Crosstimbers St"),
        (29.8520, -95.3930, "Tidwell Rd"))),
    _c("houston", "tx-houston-pd", "Westheimer Rd", (
        (29.7440, -95.3910, "Montrose Blvd"), (29.7420, -95.4180, "Kirby Dr"),
        (29.7390, -95.4610, "Post Oak Blvd"), (29.7350, -95.5280, "Fondren Rd"))),
    _c("houston", "tx-houston-pd", "I-610 West Loop", (
        (29.7310, -95.4560, "Richmond Ave"), (29.7390, -95.4560, "Westheimer Rd"),
        (29.7490, -95.4560, "San Felipe St"), (29.7590, -95.4560, "Woodway Dr"))),
    _c("houston", "tx-dps", "US-59", (
        (29.7350, -95.4180, "Kirby Dr"), (29.7290, -95.4560, "I-610"),
        (29.7120, -95.4970, "Hillcroft Ave"), (29.6700, -95.5640, "Beltway 8"))),
    _c("houston", "tx-briarwood-hoa", "Memorial Dr", (
        (29.7680, -95.5700, "Wilcrest Dr"), (29.7680, -95.5830, "Kirkwood Rd"),
        (29.7690, -95.6030, "Dairy Ashford Rd"))),
    # --- Dallas, TX ------------------------------------------------------------------------
    _c("dallas", "tx-dallas-pd", "I-35E", (
        (32.7760, -96.8160, "Commerce St"), (32.8030, -96.8280, "Oak Lawn Ave"),
        (32.8170, -96.8440, "Inwood Rd"), (32.8450, -96.8780, "Northwest Hwy"))),
    _c("dallas", "tx-dallas-pd", "Greenville Ave", (
        (32.7990, -96.7830, "Ross Ave"), (32.8370, -96.7700, "Mockingbird Ln"),
        (32.8660, -96.7690, "Northwest Hwy"), (32.9100, -96.7540, "Forest Ln"))),
    _c("dallas", "tx-dallas-pd", "I-30", (
        (32.7750, -96.7770, "Haskell Ave"), (32.7850, -96.7210, "Jim Miller Rd"),
        (32.7960, -96.6840, "Buckner Blvd"))),
    _c("dallas", "tx-dps", "I-635", (
        (32.9230, -96.8900, "Josey Ln"), (32.9250, -96.8400, "Midway Rd"),
        (32.9260, -96.8040, "Preston Rd"), (32.9240, -96.7700, "Coit Rd"))),
    # --- Portland, OR ----------------------------------------------------------------------
    _c("portland", "or-portland-pb", "I-5", (
        (45.4800, -122.6930, "Terwilliger Blvd"), (45.5350, -122.6700, "Broadway"),
        (45.5570, -122.6750, "Going St"), (45.5780, -122.6830, "Lombard St"))),
    _c("portland", "or-portland-pb", "82nd Ave", (
        (45.4850, -122.5790, "SE Foster Rd"), (45.5050, -122.5790, "SE Division St"),
        (45.5260, -122.5790, "NE Glisan St"), (45.5440, -122.5785, "NE Sandy Blvd"))),
    _c("portland", "or-portland-pb", "SE Powell Blvd", (
        (45.4970, -122.6400, "SE 26th Ave"), (45.4970, -122.6090, "SE 52nd Ave"),
        (45.4970, -122.5800, "SE 82nd Ave"))),
    # --- Joplin, MO ------------------------------------------------------------------------
    _c("joplin", "mo-joplin-pd", "Range Line Rd", (
        (37.0560, -94.4780, "32nd St"), (37.0720, -94.4780, "20th St"),
        (37.0840, -94.4780, "7th St"))),
    _c("joplin", "mo-joplin-pd", "7th St", (
        (37.0840, -94.5510, "Schifferdecker Ave"), (37.0840, -94.5130, "Main St"),
        (37.0841, -94.4800, "Range Line Rd"))),
    # --- Kansas City, MO -------------------------------------------------------------------
    _c("kansas-city", "mo-kansas-city-pd", "Troost Ave", (
        (39.0700, -94.5715, "E 31st St"), (39.0420, -94.5715, "E 47th St"),
        (39.0130, -94.5730, "E 63rd St"))),
    _c("kansas-city", "mo-kansas-city-pd", "US-71", (
        (39.0550, -94.5570, "E 39th St"), (39.0200, -94.5520, "E Meyer Blvd"),
        (38.9990, -94.5400, "E Gregory Blvd"))),
    _c("kansas-city", "mo-kansas-city-pd", "I-70", (
        (39.0980, -94.5550, "Prospect Ave"), (39.0990, -94.5210, "Van Brunt Blvd"),
        (39.0560, -94.4760, "Blue Ridge Cutoff"))),
)  # fmt: skip
