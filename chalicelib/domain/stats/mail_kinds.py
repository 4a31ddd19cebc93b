"""What kind of mail a sent message was, from its id alone (docs/statistics.md).

The sent-mail ledger keeps message ids and delivery state only, never an address or a body
(privacy: docs/selfupdate.md, "Mail"). Each feature names its messages so that a retried send
is the same message; those names also say what the message was and whom it concerned:

| kind | id | concerns |
|---|---|---|
| newsletter | ``newsletter:<department>:<week>:<subscriber>`` | its department |
| campaign | ``campaign:<campaign>:<place>`` (start), ``...:reminder:<n>`` | the place |
| self_update_link | ``link:<place>:<digest>`` (a link mailed when issued) | the place |
| decision | ``submission:<submission>:decision`` | the submission |
| confirmation | ``newsletter-confirm:<subscriber>:<nonce>`` | no department |
| other | anything else (newsletter previews to moderators...) | no department |

The snapshot turns a place or a submission into its department; a message whose department
cannot be found (a place deleted since) counts for France only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class MailKind(StrEnum):
    NEWSLETTER = "newsletter"
    CAMPAIGN = "campaign"
    SELF_UPDATE_LINK = "self_update_link"
    DECISION = "decision"
    CONFIRMATION = "confirmation"
    OTHER = "other"


MAIL_FIELDS: dict[MailKind, str] = {
    MailKind.NEWSLETTER: "newsletters_sent",
    MailKind.CAMPAIGN: "campaign_mails_sent",
    MailKind.SELF_UPDATE_LINK: "self_update_link_mails_sent",
    MailKind.DECISION: "decision_mails_sent",
    MailKind.CONFIRMATION: "confirmation_mails_sent",
}
"""The snapshot's figure of each kind (``other`` is only in ``mails_sent``, the total)."""

_DEPARTMENT = r"(?P<department>0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])"
_PATTERNS: tuple[tuple[MailKind, re.Pattern[str]], ...] = (
    (MailKind.NEWSLETTER, re.compile(rf"^newsletter:{_DEPARTMENT}:[^:]+:[^:]+$")),
    (MailKind.CONFIRMATION, re.compile(r"^newsletter-confirm:")),
    (MailKind.CAMPAIGN, re.compile(r"^campaign:[^:]+:(?P<place>[^:]+)(:reminder:\d+)?$")),
    (MailKind.SELF_UPDATE_LINK, re.compile(r"^link:(?P<place>[^:]+):[^:]+$")),
    (MailKind.DECISION, re.compile(r"^submission:(?P<submission>[^:]+):decision$")),
)


@dataclass(frozen=True)
class SentMail:
    """One sent message, and what the id says it concerned."""

    kind: MailKind
    department: str | None = None
    place_id: str | None = None
    submission_id: str | None = None


def classify(message_id: str) -> SentMail:
    for kind, pattern in _PATTERNS:
        match = pattern.match(message_id)
        if match is None:
            continue
        found = match.groupdict()
        return SentMail(
            kind=kind,
            department=found.get("department"),
            place_id=found.get("place"),
            submission_id=found.get("submission"),
        )
    return SentMail(kind=MailKind.OTHER)
