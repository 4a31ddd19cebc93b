"""Export jobs: requests validated and queued, schedules expanded once, runs recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from chalicelib.domain.exports.models import (
    CategorySet,
    ClosedPlaces,
    ExportFormat,
    ExportOrigin,
    ExportRequest,
    ExportSchedule,
    ExportSet,
    ExportStatus,
    LeafletSection,
    PaperSize,
    Territory,
)
from chalicelib.domain.exports.ports import Renderer
from chalicelib.domain.exports.service import ExportRunner, ExportService
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from functions.exports.render import FileRenderer
from tests.builders import make_place
from tests.export_fakes import (
    FailingRenderer,
    InMemoryExportFiles,
    InMemoryExportQueue,
    InMemoryExportRepository,
)
from tests.fakes import InMemoryCandidateSource, InMemoryPlaceRepository

NOW = datetime(2024, 3, 14, 9, 30, tzinfo=UTC)
TAXONOMY = default_taxonomy()


class World:
    def __init__(self, renderer: Renderer | None = None) -> None:
        self.repository = InMemoryExportRepository()
        self.queue = InMemoryExportQueue()
        self.files = InMemoryExportFiles()
        self.clock = FixedClock(NOW)
        self.places = InMemoryPlaceRepository()
        self.service = ExportService(
            self.repository,
            self.queue,
            self.files,
            TAXONOMY,
            self.clock,
            timezone="Europe/Paris",
            download_ttl_seconds=120,
        )
        self.runner = ExportRunner(
            self.repository,
            InMemoryCandidateSource(self.places.places),
            files=self.files,
            renderer=renderer or FileRenderer(),
            taxonomy=TAXONOMY,
            clock=self.clock,
            base_url="https://repere.example.org",
        )


def _request(**fields: object) -> ExportRequest:
    data: dict[str, object] = {
        "territory": Territory(department="75"),
        "categories": ["food"],
        "format": ExportFormat.CSV,
    }
    data.update(fields)
    return ExportRequest.model_validate(data)


def test_request_records_a_pending_job_and_queues_it() -> None:
    world = World()
    record = world.service.request_export(_request(), requested_by="admin-1")
    assert record.status is ExportStatus.PENDING
    assert world.queue.sent == [record.id]
    stored = world.repository.get(record.id)
    assert stored.spec.data_date == date(2024, 3, 14)  # today in Paris
    assert stored.spec.closed is ClosedPlaces.MARK  # data formats keep closed places
    assert stored.requested_by == "admin-1"


def test_leaflet_requests_default_to_omitting_closed_places_and_one_section_per_leaf() -> None:
    spec = World().service.resolve(_request(format=ExportFormat.PDF), date(2024, 3, 14))
    assert spec.closed is ClosedPlaces.OMIT
    assert spec.title == "Alimentation"
    assert spec.sections[0] == LeafletSection(
        title="Restauration assise", categories=["seated_meal"]
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"categories": ["no_such_category"]}, "categories"),
        ({"data_date": date(2022, 1, 1)}, "data_date"),
        (
            {
                "format": ExportFormat.PDF,
                "sections": [LeafletSection(title="Douches", categories=["shower"])],
            },
            "sections",
        ),
        (
            {
                "format": ExportFormat.PDF,
                "sections": [LeafletSection(title="Repas", categories=["seated_meal"])],
            },
            "sections",
        ),
        ({"sections": [LeafletSection(title="Repas", categories=["food"])]}, "sections"),
    ],
)
def test_invalid_requests_are_refused_naming_the_field(
    fields: dict[str, object], field: str
) -> None:
    world = World()
    with pytest.raises(InvalidInput) as raised:
        world.service.request_export(_request(**fields))
    assert raised.value.field == field
    assert world.queue.sent == []


def test_territory_needs_one_department_or_postal_codes_of_one_department() -> None:
    with pytest.raises(ValueError, match="one of them"):
        Territory(department="75", postal_codes=["75019"])
    with pytest.raises(ValueError, match="one of them"):
        Territory(department="75", france=True)
    with pytest.raises(ValueError, match="one of them"):
        Territory()
    with pytest.raises(ValueError, match="one department"):
        Territory(postal_codes=["75019", "93200"])
    assert Territory(postal_codes=["20000", "20100"]).department_code == "2A"
    assert Territory(postal_codes=["97400"]).department_code == "974"


def test_requests_with_the_same_idempotency_key_are_one_export() -> None:
    world = World()
    first = world.service.request_export(_request(), idempotency_key="k1")
    again = world.service.request_export(_request(), idempotency_key="k1")
    assert again.id == first.id
    assert world.queue.sent == [first.id, first.id]  # queued again: it may have been lost
    assert len(world.repository.records) == 1


def test_a_ready_export_asked_again_is_not_queued_again() -> None:
    world = World()
    first = world.service.request_export(_request(), idempotency_key="k1")
    world.runner.run(first.id)
    world.queue.sent.clear()
    world.service.request_export(_request(), idempotency_key="k1")
    assert world.queue.sent == []


def _schedule() -> ExportSchedule:
    return ExportSchedule(
        sets=[
            ExportSet(
                name="weekly",
                territories=[Territory(department="75"), Territory(department="93")],
                category_sets=[
                    CategorySet(title="Alimentation", categories=["food"]),
                    CategorySet(title="Hygiène", categories=["hygiene"]),
                ],
                formats=[ExportFormat.PDF, ExportFormat.CSV],
            ),
            ExportSet(
                name="data",
                territories=[Territory(department="75")],
                category_sets=[CategorySet(categories=["food"])],
                formats=[ExportFormat.GEOJSON],
            ),
        ]
    )


def test_schedule_queues_territories_times_category_sets_times_formats() -> None:
    world = World()
    monday = datetime(2024, 3, 17, 23, 30, tzinfo=UTC)  # Monday 00:30 in Paris
    records = world.service.schedule(_schedule(), monday)
    assert len(records) == 2 * 2 * 2 + 1
    assert {r.spec.data_date for r in records} == {date(2024, 3, 18)}
    assert all(r.origin is ExportOrigin.SCHEDULE for r in records)
    assert len(set(world.queue.sent)) == 9


def test_a_schedule_event_delivered_twice_creates_no_second_export() -> None:
    world = World()
    monday = datetime(2024, 3, 18, 5, 0, tzinfo=UTC)
    first = world.service.schedule(_schedule(), monday, ["data"])
    second = world.service.schedule(_schedule(), monday, ["data"])
    assert [r.id for r in first] == [r.id for r in second]
    assert len(world.repository.records) == 1
    next_week = world.service.schedule(_schedule(), monday + timedelta(days=7), ["data"])
    assert next_week[0].id != first[0].id


def test_schedule_refuses_unknown_set_names() -> None:
    with pytest.raises(InvalidInput, match="nope"):
        World().service.schedule(_schedule(), NOW, ["nope"])


def test_run_renders_stores_and_marks_ready() -> None:
    world = World()
    world.places.add(make_place("p1", categories=("food_packages",)))
    world.places.add(make_place("p2", categories=("shower",)))  # not food
    world.places.add(
        make_place(
            "p3",
            categories=("food_packages",),
            department="93",
            postal_code="93200",
            city_code="93066",
            city="Saint-Denis",
        )
    )
    record = world.service.request_export(_request())
    done = world.runner.run(record.id)
    assert done.status is ExportStatus.READY
    assert done.entry_count == 1
    assert done.object_key == f"exports/75/2024-03-14/{record.id}/{record.spec.filename}"
    stored = world.files.files[done.object_key]
    assert stored.content_type == "text/csv; charset=utf-8"
    assert stored.metadata["categories"] == "food" and stored.metadata["entries"] == "1"
    assert done.size_bytes == len(stored.body)
    assert world.repository.get(record.id).version == 3  # pending, running, ready


def test_running_a_ready_export_again_does_nothing() -> None:
    world = World()
    record = world.service.request_export(_request())
    done = world.runner.run(record.id)
    assert world.runner.run(record.id) == done


def test_a_failed_run_is_recorded_then_raised_for_the_queue_to_retry() -> None:
    world = World(renderer=FailingRenderer())
    record = world.service.request_export(_request())
    with pytest.raises(RuntimeError):
        world.runner.run(record.id)
    failed = world.repository.get(record.id)
    assert failed.status is ExportStatus.FAILED
    assert failed.error == "RuntimeError: renderer exploded"
    assert failed.attempts == 1


def test_run_of_an_unknown_export_is_not_found() -> None:
    with pytest.raises(NotFound):
        World().runner.run("exp-unknown-0000")


def test_download_counts_and_links_only_ready_exports() -> None:
    world = World()
    record = world.service.request_export(_request())
    with pytest.raises(Conflict) as raised:
        world.service.download(record.id)
    assert raised.value.code == "export_not_ready"
    world.runner.run(record.id)
    link = world.service.download(record.id)
    assert link.download_count == 1
    assert "expires=120" in link.url
    assert world.service.download(record.id).download_count == 2


def test_filenames_say_territory_categories_date_and_paper() -> None:
    spec = World().service.resolve(
        _request(format=ExportFormat.PDF, paper=PaperSize.A5), date(2024, 3, 14)
    )
    assert spec.filename == "repere-75-food-2024-03-14-a5.pdf"


ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
MODERATOR_75 = Principal(subject="mod-75", role=Role.TERRITORY_MODERATOR, departments=("75",))


def test_a_back_office_request_records_who_asked() -> None:
    world = World()
    record = world.service.request_export_as(MODERATOR_75, _request())
    assert record.requested_by == "mod-75"
    assert world.queue.sent == [record.id]


def test_moderators_request_exports_of_their_departments_only() -> None:
    world = World()
    outside = _request(territory=Territory(postal_codes=["93200", "93300"]))
    with pytest.raises(Forbidden) as raised:
        world.service.request_export_as(MODERATOR_75, outside)
    assert raised.value.code == "out_of_scope"
    volunteer = Principal(subject="v", role=Role.VOLUNTEER, departments=("75",))
    with pytest.raises(Forbidden, match="roles"):
        world.service.request_export_as(volunteer, _request())
    assert world.queue.sent == []
    assert world.service.request_export_as(ADMIN, outside).spec.territory.department_code == "93"


def test_an_idempotency_key_is_one_export_per_caller_and_body() -> None:
    world = World()
    first = world.service.request_export_as(ADMIN, _request(), idempotency_key="key-0001")
    again = world.service.request_export_as(ADMIN, _request(), idempotency_key="key-0001")
    other_caller = world.service.request_export_as(
        MODERATOR_75, _request(), idempotency_key="key-0001"
    )
    assert again.id == first.id != other_caller.id
    with pytest.raises(Conflict) as raised:
        world.service.request_export_as(
            ADMIN, _request(format=ExportFormat.XLSX), idempotency_key="key-0001"
        )
    assert raised.value.code == "idempotency_key_reused"


def test_a_job_is_read_within_the_callers_departments() -> None:
    world = World()
    record = world.service.request_export_as(ADMIN, _request(territory=Territory(department="93")))
    assert world.service.job(ADMIN, record.id).id == record.id
    with pytest.raises(Forbidden):
        world.service.job(MODERATOR_75, record.id)
    with pytest.raises(NotFound):
        world.service.job(ADMIN, "exp-unknown-0000")
