"""Self-update links: issue and revoke (back office), then read, edit and confirm a place
with the link (the structure). docs/selfupdate.md.

Errors never say which part of a token was wrong: any token that is not ours (form,
signature, key, algorithm, claims, scope) is the same 401; expired and revoked are the same
410, with how to get a new link.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.auth import Principal, Role, require_role
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import (
    Forbidden,
    Gone,
    InvalidInput,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
)
from chalicelib.domain.ids import IdGenerator
from chalicelib.domain.mail.models import MailMessage
from chalicelib.domain.mail.ports import MailQueue
from chalicelib.domain.places.editing import PlaceEditor, PlacePatch, apply_patch
from chalicelib.domain.places.history import Actor, diff_places
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.ports import PlaceRepository
from chalicelib.domain.places.sections import ALL_SECTIONS, Section, fields_outside
from chalicelib.domain.selfupdate.models import (
    SCOPE,
    IssuedLink,
    LinkClaims,
    RevokedLinks,
    SelfUpdateChange,
    SelfUpdateView,
)
from chalicelib.domain.selfupdate.ports import InvalidLinkToken, LinkStateStore, LinkTokenCodec
from chalicelib.domain.tokens import issued_in_the_future

_PARIS = ZoneInfo("Europe/Paris")  # dates in mails are French dates

INVALID_MESSAGE = "this link is not valid: open the link exactly as you received it"
GONE_MESSAGE = (
    "this link is no longer valid: ask the Repère team of your territory (or whoever sent "
    "it to you) for a new link"
)


def invalid_link() -> Unauthorized:
    return Unauthorized(INVALID_MESSAGE, code="invalid_link")


def gone_link() -> Gone:
    return Gone(GONE_MESSAGE, code="link_expired")


class SelfUpdateService:
    def __init__(
        self,
        editor: PlaceEditor,
        places: PlaceRepository,
        links: LinkStateStore,
        codec: LinkTokenCodec,
        clock: Clock,
        *,
        ids: IdGenerator,
        page_url: str,
        link_days: int,
        writes_per_hour: int,
        mail: MailQueue | None = None,
    ) -> None:
        self._editor = editor
        self._places = places
        self._links = links
        self._codec = codec
        self._clock = clock
        self._ids = ids
        self._page_url = page_url
        self._link_days = link_days
        self._writes_per_hour = writes_per_hour
        self._mail = mail

    # Back office -------------------------------------------------------------------------

    def issue(self, principal: Principal, place_id: str, *, send: bool = False) -> IssuedLink:
        """A link; with ``send``, also queued for e-mail to the place's public address
        (message id ``link:<place>:<digest of the token>``: one mail per link)."""
        require_role(principal, Role.ADMIN, Role.TERRITORY_MODERATOR)
        place = self._editor.get(principal, place_id)  # territory check
        email = place.contacts.email
        if send and (email is None or self._mail is None):
            raise Unprocessable(
                "this place has no public e-mail address: copy the link instead",
                field="send",
                code="no_email",
            )
        link = self.issue_unchecked(place.id)
        if not send or email is None or self._mail is None:
            return link
        # Never the token itself in an id (ids are logged): a digest of it.
        digest = hashlib.sha256(link.token.encode()).hexdigest()[:24]
        self._mail.send(
            MailMessage(
                id=f"link:{place.id}:{digest}",
                template="self_update_link",
                to=email,
                context={
                    "place_name": place.name,
                    "link_url": link.url,
                    "expires_on": link.expires_at.astimezone(_PARIS).strftime("%d/%m/%Y"),
                    "campaign_name": None,
                    "sections": [section.value for section in ALL_SECTIONS],
                },
            )
        )
        return link.model_copy(update={"mailed": True})

    def issue_unchecked(
        self, place_id: str, *, sections: Sequence[Section] = ALL_SECTIONS
    ) -> IssuedLink:
        """A link for ``place_id`` without a caller to check (campaigns check theirs), that
        asks to check ``sections`` (a campaign's; every section by default)."""
        now = self._clock.now()
        claims = LinkClaims(
            token_id=self._ids.new_id(),
            place_id=place_id,
            generation=self._links.generation(place_id),
            scope=SCOPE,
            issued_at=now,
            expires_at=now + timedelta(days=self._link_days),
            sections=tuple(sections),
        )
        token = self._codec.encode(claims)
        return IssuedLink(
            place_id=place_id,
            url=f"{self._page_url}#token={token}",
            token=token,
            generation=claims.generation,
            expires_at=claims.expires_at,
        )

    def revoke(self, principal: Principal, place_id: str) -> RevokedLinks:
        require_role(principal, Role.ADMIN, Role.TERRITORY_MODERATOR)
        place = self._editor.get(principal, place_id)
        generation = self._links.revoke(place.id, self._clock.now())
        return RevokedLinks(place_id=place.id, generation=generation)

    # The structure -----------------------------------------------------------------------

    def authorize(self, token: str) -> LinkClaims:
        try:
            claims = self._codec.decode(token)
        except InvalidLinkToken:
            raise invalid_link() from None
        if claims.scope != SCOPE:
            raise invalid_link()
        now = self._clock.now()
        if issued_in_the_future(claims.issued_at, now):
            raise invalid_link()  # we never issue ahead of our clock
        if now >= claims.expires_at:
            raise gone_link()
        if claims.generation != self._links.generation(claims.place_id):
            raise gone_link()
        return claims

    def view(self, token: str) -> SelfUpdateView:
        claims = self.authorize(token)
        return SelfUpdateView.of(self._places.get(claims.place_id), claims)

    def edit(
        self, token: str, *, expected_version: int, change: SelfUpdateChange
    ) -> SelfUpdateView:
        claims = self._writable(token, change.place_id)
        current = self._places.get(claims.place_id)
        patch = change.to_patch(current)
        if current.version == expected_version:
            # Against another version the editor answers 409: a field that differs only
            # because someone else changed it is no reason for a 400.
            check_within_sections(current, patch, claims.sections)
        place = self._editor.apply_self_update(
            current,  # read once: the editor checks its version and writes over it
            expected_version=expected_version,
            patch=patch,
            actor=_actor(claims),
            sections=claims.sections,
        )
        return SelfUpdateView.of(place, claims)

    def confirm(
        self, token: str, *, expected_version: int, place_id: str | None = None
    ) -> SelfUpdateView:
        """ "Nothing changed": verified_at moves, a history entry (action ``verified``)
        records the sections confirmed (the link's)."""
        claims = self._writable(token, place_id)
        place = self._editor.apply_self_update(
            self._places.get(claims.place_id),
            expected_version=expected_version,
            patch=None,
            actor=_actor(claims),
            sections=claims.sections,
        )
        return SelfUpdateView.of(place, claims)

    def _writable(self, token: str, named_place: str | None) -> LinkClaims:
        claims = self.authorize(token)
        if named_place is not None and named_place != claims.place_id:
            raise Forbidden("this link is for another place", field="place_id")
        hour = self._clock.now().strftime("%Y%m%d%H")
        if not self._links.count_write(
            claims.token_id, claims.place_id, hour, self._writes_per_hour
        ):
            raise TooManyRequests(
                f"at most {self._writes_per_hour} changes per hour with one link: "
                "try again in an hour",
                code="too_many_writes",
            )
        return claims


def check_within_sections(current: Place, patch: PlacePatch, sections: Sequence[Section]) -> None:
    """Refuse (400 ``outside_sections``, naming the field) a patch that changes a field none
    of ``sections`` covers. A field sent back with its current value is no change, so a page
    that posts its whole form is not refused for the sections it only showed."""
    changed = [change.field for change in diff_places(current, apply_patch(current, patch))]
    outside = fields_outside(sections, changed)
    if outside:
        asked = ", ".join(section.value for section in sections)
        raise InvalidInput(
            f"{outside[0]!r} is not among the sections this link asks to check ({asked}): "
            "ask the Repère team of your territory to change it",
            field=outside[0],
            code="outside_sections",
        )


def _actor(claims: LinkClaims) -> Actor:
    return Actor(subject=f"link:{claims.token_id}", role="structure")
