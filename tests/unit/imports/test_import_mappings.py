"""The mapping tables (chalicelib/data/import_mappings/): every target is a leaf of our
taxonomy, and every category of the known source lists is mapped or explicitly ignored."""

from __future__ import annotations

import pytest
from data_inclusion.schema import v1

from chalicelib.domain.imports.common import mapping
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy


@pytest.mark.parametrize(
    ("table", "sections"),
    [("data_inclusion", ("thematiques",)), ("soliguide", ("category", "categorie"))],
)
def test_every_target_of_a_mapping_is_a_leaf_category_of_ours(
    table: str, sections: tuple[str, ...]
) -> None:
    taxonomy = default_taxonomy()
    leaves = {category.id for category in taxonomy.all() if not category.children}
    for section in sections:
        targets = set(mapping(table)[section].values())
        assert targets, section
        assert targets - leaves == set(), f"{table}.{section}: not leaves of categories.json"


def test_every_data_inclusion_thematique_is_mapped_or_ignored() -> None:
    table = mapping("data_inclusion")
    known = set(table["thematiques"]) | set(table["ignored"])
    published = {thematique.value for thematique in v1.Thematique}

    assert published - known == set()
    assert known - published == set()  # no stale name either
    assert set(table["thematiques"]).isdisjoint(table["ignored"])


def test_every_soliguide_category_we_know_is_mapped_or_ignored_never_both() -> None:
    table = mapping("soliguide")

    assert set(table["category"]).isdisjoint(table["ignored"])
    # Hygiene, which data·inclusion lacks, is where Soliguide matters most.
    for name in ("shower", "laundry", "toilets", "food_distribution", "domiciliation"):
        assert name in table["category"]
