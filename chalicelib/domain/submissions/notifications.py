"""The decision mail: a ``DecisionNotifier`` over the mail pipeline's queue.

The message id is ``submission:<id>:decision``: the mailer sends each id once, so a retried
decision (or a re-queue after a failure) never mails the submitter twice. Template:
templates/mail/submission_decision/fr/. Logged: the submission id and the error type only,
never the address.
"""

from __future__ import annotations

import logging

from chalicelib.domain.mail.models import MailMessage
from chalicelib.domain.mail.ports import MailQueue
from chalicelib.domain.submissions.models import DecisionNotice

TEMPLATE = "submission_decision"

logger = logging.getLogger(__name__)


def decision_mail_id(submission_id: str) -> str:
    return f"submission:{submission_id}:decision"


def decision_message(notice: DecisionNotice) -> MailMessage:
    return MailMessage(
        id=notice.message_id,
        template=TEMPLATE,
        to=notice.to,
        context={
            "status": notice.status.value,
            "kind": notice.kind.value,
            "place_name": notice.place_name,
            "place_url": notice.place_url,
            "reason": notice.reason,
        },
    )


class MailDecisionNotifier:
    def __init__(self, queue: MailQueue) -> None:
        self._queue = queue

    def notify(self, notice: DecisionNotice) -> bool:
        try:
            self._queue.send(decision_message(notice))
        except Exception as error:
            # The decision is stored: the mail stays "pending" and the next decision request
            # on this submission queues it again (same id, so never twice).
            logger.warning(
                "submission_decision_mail_not_queued",
                extra={"submission_id": notice.submission_id, "error_type": type(error).__name__},
            )
            return False
        return True
