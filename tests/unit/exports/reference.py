"""The reference leaflet: "PARIS Nord-Est — Spécial Covid — Alimentation — 6 mai 2020".

Its 30 entries come from devtools/data/paris_nord_est_2020.json (the leaflet as printed in
Solinum's 2020 report), loaded with their 2020 dates. ``expected_hours_lines`` says, for each
entry, the hours lines Repère prints on 6 May 2020, derived from the printed line with the
documented differences below (docs/exports.md, "The reference leaflet").
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from chalicelib.domain.clock import FixedClock
from chalicelib.domain.exports.models import (
    ClosedPlaces,
    ExportFormat,
    ExportRequest,
    ExportSpec,
    LeafletSection,
    Territory,
)
from chalicelib.domain.exports.service import ExportService
from chalicelib.domain.places.models import Place
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from devtools.demo_data import leaflet_places, load_leaflet
from tests.export_fakes import InMemoryExportFiles, InMemoryExportQueue, InMemoryExportRepository

LEAFLET_DATE = date(2020, 5, 6)
LEAFLET_NOW = datetime(2020, 5, 6, 8, 0, tzinfo=UTC)  # 10:00 in Paris
BASE_URL = "https://repere.example.org"
POSTAL_CODES = ["75003", "75004", "75007", "75010", "75011", "75019", "75020"]

# Printed section -> our section (the print's "SUIV ORIENTATION" is a typo of "sur orientation").
SECTIONS = [
    ("Restauration assise", ["seated_meal", "food_distribution"], "RESTAURATION ASSISE"),
    ("Colis alimentaire", ["food_packages"], "COLIS ALIMENTAIRE"),
    (
        "Épicerie sociale (sur orientation)",
        ["social_grocery"],
        "ÉPICERIE SOCIALE (SUIV ORIENTATION)",
    ),
    ("Petits déjeuners", ["breakfast"], "PETITS DÉJEUNERS"),
]

# Where our compact French and the printed text legitimately differ, entry by entry.
# (Besides these, the printed "lundi-dimanche" is our "tous les jours": one form for 7 days.)
PRINTED_TO_OURS = {
    # "sauf" is not a form of ours: we list the days.
    "tous les jours sauf jeudi - 15h-20h": "lundi-mercredi, vendredi-dimanche - 15h-20h",
    # Typo "12h30h" and a missing separator in the print.
    "tous les jours dès 12h30h": "tous les jours - dès 12h30",
    # "tous les samedis" is said "samedi".
    "lundi-vendredi - 11h-13h - tous les samedis - 19h30-20h30": (
        "lundi-vendredi - 11h-13h - samedi - 19h30-20h30"
    ),
}

# Temporary information the demo data adds to three entries (absent from the print), in force
# on 6 May 2020: they show the leaflet's rules for temporary hours and closures.
TEMPORARY_HOURS_ENTRY = 2  # Mon-Fri 12:30-14:30 until 11 May instead of "dès 12h30"
CLOSED_ENTRY = 15  # closed until 11 May
CLOSED_SERVICE_ENTRY = 24  # its meal baskets (second service) stopped until further notice


def reference_places() -> list[Place]:
    return leaflet_places(LEAFLET_NOW, original_dates=True)


def reference_request(
    export_format: ExportFormat = ExportFormat.PDF, closed: ClosedPlaces = ClosedPlaces.MARK
) -> ExportRequest:
    return ExportRequest(
        territory=Territory(postal_codes=POSTAL_CODES, label="PARIS Nord-Est"),
        categories=[category for _, categories, _ in SECTIONS for category in categories],
        format=export_format,
        data_date=LEAFLET_DATE,
        title="Alimentation",
        subtitle="Urgence sociale — Spécial Covid",
        sections=[
            LeafletSection(title=title, categories=categories) for title, categories, _ in SECTIONS
        ],
        closed=closed,
    )


def reference_service() -> ExportService:
    return ExportService(
        InMemoryExportRepository(),
        InMemoryExportQueue(),
        InMemoryExportFiles(),
        default_taxonomy(),
        FixedClock(LEAFLET_NOW),
        timezone="Europe/Paris",
        download_ttl_seconds=300,
    )


def reference_spec(
    export_format: ExportFormat = ExportFormat.PDF, closed: ClosedPlaces = ClosedPlaces.MARK
) -> ExportSpec:
    return reference_service().resolve(reference_request(export_format, closed), LEAFLET_DATE)


def ours(printed: str) -> str:
    text = PRINTED_TO_OURS.get(printed, printed)
    return text.replace("lundi-dimanche - ", "tous les jours - ")


def expected_hours_lines() -> dict[str, list[str]]:
    """Place id -> the hours lines (``label - hours`` for per-service lines) on 6 May 2020."""
    expected: dict[str, list[str]] = {}
    for entry in load_leaflet().entries:
        if entry.hours_as_printed is not None:
            lines = [ours(entry.hours_as_printed)]
        else:
            lines = [f"{s.name} - {ours(s.hours_as_printed or '')}" for s in entry.services]
        expected[entry.place_id] = lines
    # In force on 6 May 2020: the temporary hours of entry 2, the closed service of entry 24.
    expected["pne-02"] = ["lundi-vendredi - 12h30-14h30"]
    expected["pne-24"][1] = (
        "Distribution supplémentaire de paniers-repas - Fermé temporairement jusqu'à nouvel "
        "ordre — Paniers-repas suspendus faute de bénévoles."
    )
    return expected


def printed_sections() -> dict[str, str]:
    """Place id -> the title of our section matching the printed one."""
    ours_by_printed = {printed: title for title, _, printed in SECTIONS}
    return {entry.place_id: ours_by_printed[entry.section] for entry in load_leaflet().entries}
