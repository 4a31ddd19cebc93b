"""SVG charts of the statistics, drawn with pygal (docs/statistics.md, "Charts").

pygal is imported inside the functions: the API loads it on the first chart request only, so
the cold start of every other route is unaffected. Labels (department codes, category names)
are text nodes that pygal escapes; the charts carry no JavaScript (pygal's default links a
script from a CDN and inlines its configuration: an admin page must not run third-party code,
and a static SVG is all a report needs).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from chalicelib.domain.stats.models import DepartmentSnapshot, SearchCounts
from chalicelib.domain.stats.search_counts import CATEGORY_PREFIX, NO_CATEGORY

OPEN_CLOSED_SERIES: tuple[tuple[str, str], ...] = (
    ("open_today", "Ouverts ce jour"),
    ("temporarily_closed", "Fermés temporairement"),
    ("permanently_closed", "Fermés définitivement"),
)


# pygal writes its configuration into an inline <script> even with ``js = []``: dropped, the
# SVG is static. Inside XML text a "</script>" of a label would be escaped, so the first
# closing tag is the element's own.
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)


def _render(chart: Any) -> str:
    return _SCRIPT.sub("", str(chart.render(is_unicode=True)))


def _config(title: str) -> Any:
    import pygal

    config = pygal.Config()
    config.title = title
    config.js = []  # no script from a CDN in the admin's page
    config.disable_xml_declaration = False
    config.show_legend = True
    config.legend_at_bottom = True
    config.width = 900
    config.height = 450
    config.x_label_rotation = 30
    return config


def weekly(snapshots: Sequence[DepartmentSnapshot]) -> list[DepartmentSnapshot]:
    """The last snapshot of each ISO week (its Monday labels the point), oldest first."""
    by_week: dict[date, DepartmentSnapshot] = {}
    for snapshot in sorted(snapshots, key=lambda s: s.day):
        by_week[snapshot.day - timedelta(days=snapshot.day.weekday())] = snapshot
    return [by_week[week] for week in sorted(by_week)]


def open_closed_svg(
    snapshots_by_department: dict[str, list[DepartmentSnapshot]], first: date, last: date
) -> str:
    """Weekly open / temporarily closed / permanently closed places, per territory."""
    import pygal

    weeks = sorted(
        {
            s.day - timedelta(days=s.day.weekday())
            for snapshots in snapshots_by_department.values()
            for s in snapshots
        }
    )
    label = "France" if list(snapshots_by_department) == ["all"] else None
    territories = label or ", ".join(snapshots_by_department)
    chart = pygal.Line(
        _config(f"Lieux ouverts et fermés par semaine — {territories} ({first} → {last})")
    )
    chart.x_labels = [f"sem. du {week.isoformat()}" for week in weeks]
    several = len(snapshots_by_department) > 1
    for department, snapshots in snapshots_by_department.items():
        points = {s.day - timedelta(days=s.day.weekday()): s for s in weekly(snapshots)}
        for attribute, title in OPEN_CLOSED_SERIES:
            values = [
                getattr(points[week], attribute) if week in points else None for week in weeks
            ]
            chart.add(f"{department} — {title}" if several else title, values)
    return _render(chart)


def top_categories(searches: Sequence[SearchCounts], limit: int) -> list[tuple[str, int]]:
    summed: Counter[str] = Counter()
    for counts in searches:
        for name, value in counts.counters.items():
            if name.startswith(CATEGORY_PREFIX) and name != f"{CATEGORY_PREFIX}{NO_CATEGORY}":
                summed[name.removeprefix(CATEGORY_PREFIX)] += value
    return sorted(summed.items(), key=lambda item: (-item[1], item[0]))[:limit]


def top_categories_svg(
    top: list[tuple[str, int]], label: Callable[[str], str], territory: str, first: date, last: date
) -> str:
    """The most searched categories, most searched on top."""
    import pygal

    chart = pygal.HorizontalBar(
        _config(f"Catégories les plus recherchées — {territory} ({first} → {last})")
    )
    chart.show_legend = False
    # pygal draws a horizontal bar chart's first label at the bottom: reverse to put the most
    # searched category on top.
    ordered = list(reversed(top))
    chart.x_labels = [label(category) for category, _ in ordered]
    chart.add("Recherches", [count for _, count in ordered])
    return _render(chart)
