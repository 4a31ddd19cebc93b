"""The PostGIS anchor on 20,000 synthetic places: what one search page costs PostGIS.

    python -m bench.anchors.demo            # needs make bench-deps
    BENCH_REPEATS=15 python -m bench.anchors.demo

Loads ``devtools.demo_data.synthetic_places(20000, seed=7, now=NOW)`` (online places only, as
Repère's search) into a throwaway cluster and prints JSON: for Paris at 1, 5, 30 and 100 km,
with and without the "food" theme (any of its leaves), and for department 75, the median
wall-clock milliseconds of one page (top 20 + count + facets) over ``BENCH_REPEATS`` warm runs,
each statement's share, how many places match and the first ids. Writes no file.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from typing import Any

from bench.anchors.postgis import PageResult, PostgisAnchor, category_leaves, rows_from_places

NOW = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
PLACES = 20_000
SEED = 7
PARIS = (48.8867, 2.3795)
RADII_KM = (1, 5, 30, 100)
THEME = "food"


def _figures(runs: list[PageResult]) -> dict[str, Any]:
    last = runs[-1]
    return {
        "median_ms": round(statistics.median(run.ms for run in runs), 3),
        "statement_median_ms": {
            name: round(statistics.median(run.statement_ms[index] for run in runs), 3)
            for index, name in enumerate(("top", "count", "facets"))
        },
        "total": last.total,
        "page": len(last.ids),
        "first_ids": last.ids[:3],
        "facet_categories": len(last.facets),
        "theme_facet": last.facets.get(THEME, 0),
    }


def main() -> int:
    from devtools.demo_data import synthetic_places

    repeats = int(os.environ.get("BENCH_REPEATS", "7"))
    started = time.perf_counter()
    places = list(synthetic_places(PLACES, seed=SEED, now=NOW))
    rows = rows_from_places(places, NOW)
    rows_s = time.perf_counter() - started

    anchor = PostgisAnchor.start()
    if anchor is None:
        print(f"PostGIS anchor unavailable: {PostgisAnchor.unavailable_reason()}", file=sys.stderr)
        return 1
    with anchor:
        started = time.perf_counter()
        loaded = anchor.load(rows)
        load_s = time.perf_counter() - started
        leaves = category_leaves(THEME)
        cases: dict[str, Any] = {}
        for radius_km in RADII_KM:
            for themed in (False, True):
                name = f"paris_{radius_km}km" + (f"_{THEME}" if themed else "")
                chosen = leaves if themed else None
                runs = [
                    anchor.geo(*PARIS, radius_km * 1000, chosen, limit=20) for _ in range(repeats)
                ]
                cases[name] = _figures(runs)
        cases["department_75"] = _figures([anchor.department("75") for _ in range(repeats)])
        report = {
            "engine": anchor.server_version,
            "places_generated": len(places),
            "rows_loaded": loaded,
            "rows_build_s": round(rows_s, 2),
            "load_s": round(load_s, 2),
            "repeats": repeats,
            "theme_leaves": leaves,
            "cases": cases,
        }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
