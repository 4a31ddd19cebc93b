"""Intake (public): a new place or a suggestion on a published one, answered with a receipt;
replays find the original, robots and floods are turned away."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import InvalidInput, NotFound, TooManyRequests, Unprocessable
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.places.ports import PlaceRepository
from chalicelib.domain.search.ports import CandidateSource
from chalicelib.domain.submissions.duplicates import RADIUS_M, find_duplicates
from chalicelib.domain.submissions.hashing import ClientHasher
from chalicelib.domain.submissions.models import (
    NewPlaceForm,
    Receipt,
    Submission,
    SubmissionForm,
    SubmissionKind,
    SubmissionStatusView,
    SuggestionForm,
)
from chalicelib.domain.submissions.ports import Geocoder, RateLimiter, SubmissionRepository
from chalicelib.domain.submissions.regions import region_of
from chalicelib.domain.submissions.status import SubmissionStatus


@dataclass(frozen=True)
class IntakeLimits:
    per_hour: int = 10
    """Submissions (new ones, not replays) per hashed client address per hour."""


class SubmissionIntake:
    def __init__(
        self,
        repository: SubmissionRepository,
        *,
        places: PlaceRepository,
        candidates: CandidateSource,
        geocoder: Geocoder,
        limiter: RateLimiter,
        hasher: ClientHasher,
        clock: Clock,
        limits: IntakeLimits,
    ) -> None:
        self._repository = repository
        self._places = places
        self._candidates = candidates
        self._geocoder = geocoder
        self._limiter = limiter
        self._hasher = hasher
        self._clock = clock
        self._limits = limits

    def submit_place(self, form: NewPlaceForm, client_address: str) -> Receipt:
        return self._intake(SubmissionKind.NEW_PLACE, None, form, client_address)

    def suggest(self, place_id: str, form: SuggestionForm, client_address: str) -> Receipt:
        place = self._places.get(place_id)  # NotFound for an unknown place
        if place.status is not PlaceStatus.ONLINE:
            raise NotFound(f"no place {place_id!r}")
        return self._intake(SubmissionKind.SUGGESTION, place, form, client_address)

    def status(self, submission_id: str) -> SubmissionStatusView:
        return SubmissionStatusView.of(self._repository.get(submission_id))

    def _intake(
        self, kind: SubmissionKind, place: Place | None, form: SubmissionForm, client: str
    ) -> Receipt:
        place_id = place.id if place is not None else None
        submission_id = self._hasher.payload(kind, place_id, form)
        if form.website:
            # The honeypot was filled: a robot. Answer like a success, keep nothing.
            return _receipt(submission_id, SubmissionStatus.PENDING, replay=False)
        try:
            existing = self._repository.get(submission_id)
        except NotFound:
            existing = None
        if existing is not None:
            return _receipt(existing.id, existing.status, replay=True)
        client_hash = self._hasher.client(client)
        now = self._clock.now()
        window = now.strftime("%Y-%m-%dT%H")
        if self._limiter.hit(client_hash, window, ttl_seconds=7200) > self._limits.per_hour:
            raise TooManyRequests(
                f"at most {self._limits.per_hour} submissions an hour; please try again later",
                code="rate_limited",
            )
        submission = self._build(kind, place, form, submission_id, client_hash)
        if not self._repository.add(submission):  # a concurrent replay won the race
            return _receipt(submission_id, SubmissionStatus.PENDING, replay=True)
        return _receipt(submission_id, SubmissionStatus.PENDING, replay=False)

    def _build(
        self,
        kind: SubmissionKind,
        place: Place | None,
        form: SubmissionForm,
        submission_id: str,
        client_hash: str,
    ) -> Submission:
        content = form.content
        location = content.location
        geocoded = False
        city_code = None
        if content.address is not None and location is None:
            result = self._geocoder.geocode(content.address)
            if result is None:
                raise Unprocessable(
                    "the address could not be located: check it, or give the location "
                    "(lat, lon) of the place",
                    field="content.location",
                    code="address_not_found",
                )
            location, geocoded, city_code = result.location, True, result.city_code
        if content.address is not None:
            department = content.address.department
        elif place is not None:
            department = place.address.department_code
        else:  # NewPlaceForm requires an address
            raise InvalidInput("content.address is required", field="content.address")
        if location is None and place is not None:
            location = place.location
        duplicates = []
        name = content.name or (place.name if place is not None else None)
        if kind is SubmissionKind.NEW_PLACE and location is not None and name is not None:
            duplicates = find_duplicates(
                name,
                location,
                self._candidates.near(location, RADIUS_M).places,
                self._repository.by_status(SubmissionStatus.PENDING, department, 500),
            )
        return Submission(
            id=submission_id,
            kind=kind,
            department=department,
            region=region_of(department),
            place_id=place.id if place is not None else None,
            content=content,
            location=location,
            geocoded=geocoded,
            city_code=city_code,
            message=form.message,
            submitter=form.submitter,
            client_hash=client_hash,
            duplicates=duplicates,
            created_at=self._clock.now(),
        )


def _receipt(submission_id: str, status: SubmissionStatus, *, replay: bool) -> Receipt:
    return Receipt(
        id=submission_id,
        status=status,
        status_url=f"/submissions/{submission_id}",
        duplicate_of_earlier=replay,
    )
