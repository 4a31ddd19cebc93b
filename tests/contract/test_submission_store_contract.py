"""One set of scenarios for every submission store and rate limiter (memory, DynamoDB)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.dynamodb.submissions import DynamoRateLimiter, DynamoSubmissionRepository
from chalicelib.domain.errors import NotFound, VersionConflict
from chalicelib.domain.submissions.models import (
    QueuePosition,
    Submission,
    SubmissionKind,
    SubmittedContent,
    Submitter,
)
from chalicelib.domain.submissions.ports import RateLimiter, SubmissionRepository
from chalicelib.domain.submissions.status import SubmissionStatus
from tests.submission_fakes import InMemoryRateLimiter, InMemorySubmissionRepository

T0 = datetime(2020, 3, 17, 11, 0, tzinfo=UTC)


def make_submission(id: str, *, department: str = "75", minutes: int = 0) -> Submission:
    return Submission(
        id=id,
        kind=SubmissionKind.NEW_PLACE,
        department=department,
        region="11",
        content=SubmittedContent(name=f"Lieu {id}"),
        submitter=Submitter(email="someone@example.org", consent=True),
        client_hash="0" * 32,
        created_at=T0 + timedelta(minutes=minutes),
    )


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> tuple[SubmissionRepository, RateLimiter]:
    if request.param == "memory":
        return InMemorySubmissionRepository(), InMemoryRateLimiter()
    request.getfixturevalue("dynamodb_tables")
    return DynamoSubmissionRepository(), DynamoRateLimiter()


def test_submission_store_add_get_list_save(
    store: tuple[SubmissionRepository, RateLimiter],
) -> None:
    """One scenario per store (each DynamoDB setup costs seconds): idempotent add, not
    found, queues oldest first by department or everywhere, moves between queues on save,
    stale saves refused."""
    repository, _ = store
    assert repository.add(make_submission("late", minutes=30)) is True
    assert repository.add(make_submission("late", minutes=5)) is False
    assert repository.get("late").created_at == T0 + timedelta(minutes=30)
    with pytest.raises(NotFound):
        repository.get("missing")

    repository.add(make_submission("early", minutes=1))
    repository.add(make_submission("elsewhere", department="93", minutes=2))
    pending = SubmissionStatus.PENDING
    assert [s.id for s in repository.by_status(pending, "75", 10)] == ["early", "late"]
    assert [s.id for s in repository.by_status(pending, None, 10)] == [
        "early",
        "elsewhere",
        "late",
    ]
    assert [s.id for s in repository.by_status(pending, None, 1)] == ["early"]

    rejected = repository.get("late").model_copy(
        update={"status": SubmissionStatus.REJECTED, "version": 2}
    )
    repository.save(rejected, expected_version=1)
    assert [s.id for s in repository.by_status(pending, "75", 10)] == ["early"]
    assert [s.id for s in repository.by_status(SubmissionStatus.REJECTED, "75", 10)] == ["late"]
    assert sorted(s.id for s in repository.scan()) == ["early", "elsewhere", "late"]

    with pytest.raises(VersionConflict) as raised:
        repository.save(rejected, expected_version=1)
    assert raised.value.current_version == 2

    # Pages after a position (created_at, id): same-instant submissions ordered by id.
    for name in ("tie-b", "tie-a", "tie-c"):
        repository.add(make_submission(name, minutes=10))
    pages = [[s.id for s in repository.by_status(pending, "75", 2)]]
    while True:
        last = repository.get(pages[-1][-1])
        after = QueuePosition(created_at=last.created_at, id=last.id)
        page = [s.id for s in repository.by_status(pending, "75", 2, after=after)]
        if not page:
            break
        pages.append(page)
    assert pages == [["early", "tie-a"], ["tie-b", "tie-c"]]
    everywhere = repository.get("tie-a")
    after = QueuePosition(created_at=everywhere.created_at, id=everywhere.id)
    assert [s.id for s in repository.by_status(pending, None, 10, after=after)] == [
        "tie-b",
        "tie-c",
    ]


def test_rate_limiter_counts_per_key_and_window(
    store: tuple[SubmissionRepository, RateLimiter],
) -> None:
    repository, limiter = store
    assert [limiter.hit("k", "2020-03-17T11", 7200) for _ in range(3)] == [1, 2, 3]
    assert limiter.hit("k", "2020-03-17T12", 7200) == 1
    assert limiter.hit("other", "2020-03-17T11", 7200) == 1
    assert list(repository.scan()) == []  # counters are not submissions
