"""Table definitions derived from the PynamoDB models (infra/tables.py)."""

from __future__ import annotations

import pytest
from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.adapters.dynamodb.names import table_name
from chalicelib.adapters.dynamodb.tables import TABLES
from infra.tables import KeyAttribute, table_spec, table_specs


def test_there_is_one_spec_per_registered_model_named_like_the_application_names_it() -> None:
    specs = table_specs(TABLES)
    assert [spec.logical for spec in specs] == list(TABLES)
    for spec in specs:
        assert spec.name("repere-prod") == table_name("repere-prod", spec.logical)


def test_the_places_table_streams_both_images_and_has_its_indexes() -> None:
    places = table_spec("places", TABLES["places"])
    assert places.partition_key == KeyAttribute("id", "S")
    assert places.sort_key is None
    assert places.stream_view_type == "NEW_AND_OLD_IMAGES"
    indexes = {index.name: index for index in places.indexes}
    assert {"by_postal_code", "by_city_code", "admin_department"} <= set(indexes)
    assert indexes["by_postal_code"].partition_key == KeyAttribute("postal_code", "S")
    assert indexes["by_postal_code"].projection == "INCLUDE"
    assert indexes["by_postal_code"].non_key_attributes == ("sr",)
    admin = indexes["admin_department"]
    assert admin.projection == "INCLUDE"
    assert "summary" in admin.non_key_attributes


def test_the_search_cells_are_read_through_one_geohash_index_of_their_records_only() -> None:
    cells = table_spec("search-cells", TABLES["search-cells"])
    assert (cells.partition_key, cells.sort_key) == (
        KeyAttribute("pk", "S"),
        KeyAttribute("sk", "S"),
    )
    indexes = {index.name: index for index in cells.indexes}
    assert set(indexes) == {"cells_by_region"}
    assert indexes["cells_by_region"].partition_key == KeyAttribute("g3", "S")
    for index in indexes.values():
        assert index.sort_key == KeyAttribute("sk", "S")
        assert (index.projection, tuple(index.non_key_attributes)) == ("INCLUDE", ("c",))


def test_a_ttl_attribute_on_the_model_becomes_the_tables_ttl() -> None:
    specs = {spec.logical: spec for spec in table_specs(TABLES)}
    assert specs["batch-updates"].ttl_attribute == "expires_at"
    assert specs["places"].ttl_attribute is None


def test_numeric_sort_keys_keep_their_type() -> None:
    history = table_spec("place-history", TABLES["place-history"])
    assert history.sort_key == KeyAttribute("version", "N")


class _ByOwner(GlobalSecondaryIndex["_Sample"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by_owner"
        projection = KeysOnlyProjection()

    owner = UnicodeAttribute(hash_key=True)


class _ByDate(LocalSecondaryIndex["_Sample"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by_date"
        projection = KeysOnlyProjection()

    pk = UnicodeAttribute(hash_key=True)
    created = NumberAttribute(range_key=True)


class _Sample(Model):
    class Meta:
        billing_mode = PAY_PER_REQUEST_BILLING_MODE
        stream_view_type = "KEYS_ONLY"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    owner = UnicodeAttribute(null=True)
    created = NumberAttribute(null=True)
    expires = TTLAttribute(null=True)
    by_owner = _ByOwner()
    by_date = _ByDate()


def test_a_new_model_brings_its_keys_indexes_stream_and_ttl() -> None:
    spec = table_spec("samples", _Sample)
    assert spec.sort_key == KeyAttribute("sk", "S")
    assert spec.stream_view_type == "KEYS_ONLY"
    assert spec.ttl_attribute == "expires"
    (global_index,) = spec.global_indexes
    assert global_index.name == "by_owner"
    assert global_index.projection == "KEYS_ONLY"
    (local_index,) = [index for index in spec.indexes if index.local]
    assert local_index.sort_key == KeyAttribute("created", "N")


class _Provisioned(Model):
    class Meta:
        read_capacity_units = 5
        write_capacity_units = 5

    pk = UnicodeAttribute(hash_key=True)


class _UnknownStream(Model):
    class Meta:
        billing_mode = PAY_PER_REQUEST_BILLING_MODE
        stream_view_type = "EVERYTHING"

    pk = UnicodeAttribute(hash_key=True)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (_Provisioned, "PAY_PER_REQUEST"),
        (_UnknownStream, "unknown stream_view_type"),
    ],
)
def test_a_model_the_stack_cannot_create_is_refused(model: type[Model], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        table_spec("bad", model)
