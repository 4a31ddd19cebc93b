"""Import jobs on in-memory fakes: the dry-run report (new, matched, changes, rejected with
record and field), the apply (history channel ``import``, sources kept, idempotent), stale
reports and places that moved since the dry run."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.config import get_settings
from chalicelib.domain.errors import Conflict, PayloadTooLarge, VersionConflict
from chalicelib.domain.imports.models import (
    ImportFormat,
    ImportJob,
    ImportRequest,
    ImportStatus,
    MatchKind,
    RecordOutcome,
)
from chalicelib.domain.imports.service import marker, place_id_for
from chalicelib.domain.places.editing import PlacePatch
from chalicelib.domain.places.history import Action, Channel
from chalicelib.domain.places.models import PlaceStatus
from tests.builders import make_place
from tests.import_fakes import InMemoryImportJobStore
from tests.unit.imports.support import ADMIN, Stack, fixture, stack

DI = ImportFormat.DATA_INCLUSION_JSON


def di_file(**changes: Any) -> bytes:
    """The fixture, with fields of structure ``exemple--s1`` changed."""
    data = json.loads(fixture("data_inclusion.json"))
    data["structures"][0].update(changes)
    return json.dumps(data).encode()


@pytest.fixture
def env() -> Stack:
    return stack()


def test_a_dry_run_reports_new_places_and_rejected_records_and_writes_no_place(env: Stack) -> None:
    view = env.dry_run(fixture("data_inclusion.json"), fmt=DI)

    assert view.job.status is ImportStatus.READY
    assert view.report is not None
    by_record = {entry.record: entry for entry in view.report.entries}
    assert by_record[1].outcome is RecordOutcome.NEW
    assert by_record[1].place_id == place_id_for("exemple", "exemple--s1")
    assert by_record[3].outcome is RecordOutcome.NEW
    rejected = {
        entry.record: (entry.errors[0].field, entry.errors[0].message)
        for entry in view.report.entries
        if entry.outcome is RecordOutcome.REJECTED
    }
    assert rejected == {
        4: ("services[3].thematiques", rejected[4][1]),
        5: ("structures[2].latitude", "no coordinates (latitude, longitude)"),
        6: ("services[5].nom", "Field required"),
    }
    assert "no thematique maps" in rejected[4][1]
    assert view.job.summary is not None
    assert (view.job.summary.new, view.job.summary.rejected) == (2, 3)
    assert env.adapters.places.places == {}


def test_an_apply_creates_the_places_with_their_source_and_an_import_history_entry(
    env: Stack,
) -> None:
    view = env.dry_run(fixture("data_inclusion.json"), fmt=DI)
    applied = env.apply(view)

    assert applied.job.status is ImportStatus.APPLIED
    assert applied.job.summary is not None
    assert (applied.job.summary.created, applied.job.summary.rejected) == (2, 3)
    place = env.adapters.places.get(place_id_for("exemple", "exemple--s1"))
    assert place.status is PlaceStatus.DRAFT
    assert [(s.name, s.external_id) for s in place.sources] == [("exemple", "exemple--s1")]
    assert [service.category for service in place.services] == ["food_distribution", "clothing"]
    assert [(slot.start, slot.end) for slot in place.hours.monday] == [
        ("09:30", "12:30"),
        ("14:00", "17:00"),
    ]
    assert place.hours.sunday == []
    assert place.modalities.referral_required
    assert place.contacts.email == "contact@example.org"
    entry = env.adapters.places.history_entry(place.id, 1)
    assert entry is not None
    assert (entry.channel, entry.action, entry.comment) == (
        Channel.IMPORT,
        Action.CREATED,
        marker(view.job.id),
    )


def test_importing_the_same_file_again_changes_nothing(env: Stack) -> None:
    env.apply(env.dry_run(fixture("data_inclusion.json"), fmt=DI))

    again = env.dry_run(fixture("data_inclusion.json"), fmt=DI)
    assert again.job.summary is not None
    assert (again.job.summary.new, again.job.summary.unchanged) == (0, 2)
    matched = [e for e in again.report.entries if e.outcome is RecordOutcome.UNCHANGED]  # type: ignore[union-attr]
    assert {e.matched_by for e in matched} == {MatchKind.SOURCE}
    env.apply(again)
    assert len(env.adapters.places.places) == 2
    assert {p.version for p in env.adapters.places.places.values()} == {1}


def test_a_changed_record_is_reported_field_by_field_and_applied_as_a_new_version(
    env: Stack,
) -> None:
    env.apply(env.dry_run(fixture("data_inclusion.json"), fmt=DI))

    view = env.dry_run(di_file(nom="Épicerie solidaire du Canal Saint-Martin"), fmt=DI)
    report = view.report
    assert report is not None
    entry = next(e for e in report.entries if e.record == 1)
    assert entry.outcome is RecordOutcome.UPDATE
    assert entry.expected_version == 1
    assert [change.field for change in entry.changes] == ["name"]
    assert entry.changes[0].after == "Épicerie solidaire du Canal Saint-Martin"
    env.apply(view)
    place = env.adapters.places.get(entry.place_id or "")
    assert (place.version, place.name) == (2, "Épicerie solidaire du Canal Saint-Martin")
    written = env.adapters.places.history_entry(place.id, 2)
    assert written is not None
    assert (written.channel, written.action) == (Channel.IMPORT, Action.EDITED)
    assert [change.field for change in written.changes] == ["name"]


def test_an_apply_refuses_a_stale_report(env: Stack) -> None:
    job_id = env.upload(fixture("data_inclusion.json"), fmt=DI)
    first = env.service.dry_run(ADMIN, job_id)
    env.service.dry_run(ADMIN, job_id)  # a second run: a new report, a new version

    with pytest.raises(VersionConflict) as refused:
        env.apply(first)
    assert refused.value.current_version == first.job.version + 1
    assert env.adapters.places.places == {}


def test_an_applied_import_is_not_applied_twice(env: Stack) -> None:
    applied = env.apply(env.dry_run(fixture("data_inclusion.json"), fmt=DI))

    with pytest.raises(Conflict) as refused:
        env.service.apply(ADMIN, applied.job.id, expected_version=applied.job.version)
    assert refused.value.code == "import_applied"


def test_a_place_changed_since_the_dry_run_is_a_conflict_and_left_alone(env: Stack) -> None:
    env.apply(env.dry_run(fixture("data_inclusion.json"), fmt=DI))
    view = env.dry_run(
        di_file(nom="Épicerie du Canal", description="Nouvelle description."), fmt=DI
    )
    place_id = place_id_for("exemple", "exemple--s1")
    moved = env.root.place_editor.edit(
        ADMIN, place_id, expected_version=1, patch=PlacePatch(internal_note="vu au téléphone")
    )

    applied = env.apply(view)

    assert applied.report is not None
    entry = next(e for e in applied.report.entries if e.record == 1)
    assert entry.outcome is RecordOutcome.CONFLICT
    assert entry.errors[0].field == "version"
    assert env.adapters.places.get(place_id) == moved


def test_an_apply_sent_again_after_a_crash_writes_each_place_once(env: Stack) -> None:
    view = env.dry_run(fixture("data_inclusion.json"), fmt=DI)

    class CrashOnSave(InMemoryImportJobStore):
        def save(self, job: ImportJob, *, expected_version: int) -> None:
            raise TimeoutError("the store timed out")

    jobs = env.adapters.import_jobs
    crashing = CrashOnSave()
    crashing.jobs = jobs.jobs
    env.service._jobs = crashing  # the places are written, the job's save is lost
    with pytest.raises(TimeoutError):
        env.apply(view)
    assert len(env.adapters.places.places) == 2
    env.service._jobs = jobs

    again = env.apply(view)

    assert again.job.summary is not None
    assert (again.job.summary.created, again.job.summary.conflict) == (2, 0)
    assert {p.version for p in env.adapters.places.places.values()} == {1}


def test_a_place_typed_by_hand_is_matched_by_the_duplicate_detector_and_keeps_its_services(
    env: Stack,
) -> None:
    by_hand = make_place(
        "p-canal",
        name="Epicerie solidaire Canal",
        lat=48.8854,
        lon=2.3723,
        categories=("shower",),
    )
    env.adapters.places.add(by_hand)

    view = env.dry_run(fixture("data_inclusion.json"), fmt=DI)
    entry = next(e for e in view.report.entries if e.record == 1)  # type: ignore[union-attr]
    assert (entry.outcome, entry.matched_by, entry.place_id) == (
        RecordOutcome.UPDATE,
        MatchKind.DUPLICATE,
        "p-canal",
    )
    assert entry.match_score is not None and entry.match_score >= 70
    env.apply(view)
    place = env.adapters.places.get("p-canal")
    assert [s.category for s in place.services] == ["food_distribution", "clothing", "shower"]
    assert ("exemple", "exemple--s1") in {(s.name, s.external_id) for s in place.sources}

    again = env.dry_run(fixture("data_inclusion.json"), fmt=DI)
    entry = next(e for e in again.report.entries if e.record == 1)  # type: ignore[union-attr]
    assert (entry.outcome, entry.matched_by) == (RecordOutcome.UNCHANGED, MatchKind.SOURCE)


def test_records_outside_the_import_department_are_rejected(env: Stack) -> None:
    view = env.dry_run(
        fixture("data_inclusion.csv"), fmt=ImportFormat.DATA_INCLUSION_CSV, department="75"
    )

    assert view.report is not None
    fields = {e.errors[0].field for e in view.report.entries}
    assert fields == {"address.department_code", "rows[2].latitude"}


def test_a_csv_of_services_imports_one_place_per_service_with_every_mapped_thematique(
    env: Stack,
) -> None:
    view = env.apply(
        env.dry_run(fixture("data_inclusion.csv"), fmt=ImportFormat.DATA_INCLUSION_CSV)
    )

    assert view.job.summary is not None
    assert (view.job.summary.created, view.job.summary.rejected) == (2, 1)
    baths = env.adapters.places.get(place_id_for("exemple", "exemple--c1-douche"))
    assert [s.category for s in baths.services] == ["general_practitioner", "day_centre"]
    assert baths.address.department_code == "13"
    assert [p.number for p in baths.contacts.phones] == ["+33400000002"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"structures": [', "the file is not valid JSON"),
        ("Épicerie".encode("latin-1"), "the file is not UTF-8 text: byte 0"),
        (b'{"places": []}', "a data·inclusion file is"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
    ids=["malformed", "encoding", "unknown-shape", "deep"],
)
def test_a_file_that_cannot_be_read_fails_the_dry_run_with_one_file_error(
    env: Stack, body: bytes, message: str
) -> None:
    view = env.dry_run(body, fmt=DI)

    assert view.job.status is ImportStatus.FAILED
    assert view.report is not None
    assert view.report.entries == []
    assert [error.field for error in view.report.file_errors] == ["file"]
    assert message in view.report.file_errors[0].message
    with pytest.raises(Conflict):
        env.apply(view)


def test_a_file_over_the_limit_is_never_read_whole(
    env: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPERE_IMPORTS_MAX_BYTES", "10000")
    monkeypatch.setenv("REPERE_IMPORTS_HTTP_MAX_BYTES", "1000")
    get_settings.cache_clear()
    env = stack()
    job_id = env.upload(fixture("data_inclusion.json"), fmt=DI)

    with pytest.raises(PayloadTooLarge) as over_http:
        env.service.dry_run(ADMIN, job_id, over_http=True)
    assert over_http.value.code == "use_worker"
    assert env.service.dry_run(ADMIN, job_id).job.status is ImportStatus.READY  # the worker's
    too_large = env.upload(b" " * 10_001, fmt=DI)
    view = env.service.dry_run(ADMIN, too_large)
    assert view.job.status is ImportStatus.FAILED
    assert "over the limit of 10000" in view.job.file_errors[0].message
    get_settings.cache_clear()


def test_a_dry_run_before_the_upload_is_refused(env: Stack) -> None:
    created = env.service.create(ADMIN, ImportRequest(format=DI, source="exemple"))
    with pytest.raises(Conflict) as refused:
        env.service.dry_run(ADMIN, created.job.id)
    assert refused.value.code == "not_uploaded"


def test_an_import_is_not_counted_as_a_person_updating_the_place(env: Stack) -> None:
    from chalicelib.domain.stats.updates import is_person_update

    env.apply(env.dry_run(fixture("data_inclusion.json"), fmt=DI))
    entry = env.adapters.places.history_entry(place_id_for("exemple", "exemple--s1"), 1)

    assert entry is not None
    assert not is_person_update(entry)  # campaigns and statistics count people, not imports


def test_a_record_never_clears_what_it_does_not_say(env: Stack) -> None:
    env.apply(env.dry_run(fixture("data_inclusion.json"), fmt=DI))
    place_id = place_id_for("exemple", "exemple--s1")
    place = env.adapters.places.get(place_id)
    assert [p.number for p in place.contacts.phones] == ["+33100000001"]

    view = env.dry_run(
        di_file(telephone=None, site_web=None, courriel="epicerie@example.org"), fmt=DI
    )

    entry = next(e for e in view.report.entries if e.record == 1)  # type: ignore[union-attr]
    assert [c.field for c in entry.changes] == ["contacts"]
    env.apply(view)
    contacts = env.adapters.places.get(place_id).contacts
    assert contacts.email == "epicerie@example.org"
    assert [p.number for p in contacts.phones] == ["+33100000001"]  # kept
    assert contacts.website == "https://example.org/epicerie"


def test_an_apply_over_http_writes_at_most_its_limit_and_names_the_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REPERE_IMPORTS_HTTP_MAX_WRITES", "1")
    get_settings.cache_clear()
    env = stack()
    view = env.dry_run(fixture("data_inclusion.json"), fmt=DI)  # two places to create

    with pytest.raises(PayloadTooLarge) as refused:
        env.service.apply(ADMIN, view.job.id, expected_version=view.job.version, over_http=True)
    assert refused.value.code == "use_worker"
    assert env.adapters.places.places == {}
    assert env.apply(view).job.status is ImportStatus.APPLIED  # the worker's path
    get_settings.cache_clear()
