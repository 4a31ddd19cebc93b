"""Sending through SES v2 (implements ``MailSender``): HTML and text parts, UTF-8.

A mail without extra headers goes as SES "Simple" content, as it always did. A mail with
headers (list mail: ``List-Unsubscribe``, ``List-Unsubscribe-Post``) goes as a "Raw" MIME
message built with the standard library's ``email`` package. Recent botocore also accepts
``Content.Simple.Headers``, but moto (our tests, the local stack) drops them silently, so
the headers could never be checked; the raw message carries them in every backend, and it is
what the recipient's provider reads (docs/newsletters.md).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from typing import Any

from chalicelib.domain.mail.models import RenderedMail

# Headers unfolded up to RFC 5322's 998 characters: a List-Unsubscribe URL with its token is
# one long word, and some mail clients mishandle a folded one.
_POLICY = SMTP.clone(max_line_length=998)


def mime_message(from_address: str, to: str, mail: RenderedMail) -> bytes:
    """The raw RFC 5322 message: multipart/alternative (text, then HTML), extra headers."""
    message = EmailMessage(policy=_POLICY)
    message["From"] = from_address
    message["To"] = to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2])
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(mail.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message.as_bytes()


class SesV2Sender:
    def __init__(
        self, client: Any, from_address: str, configuration_set: str | None = None
    ) -> None:
        # ``client``: a boto3 ``sesv2`` client.
        self._client = client
        self._from = from_address
        self._configuration_set = configuration_set

    def send(self, to: str, mail: RenderedMail) -> str:
        request: dict[str, Any] = {
            "FromEmailAddress": self._from,
            "Destination": {"ToAddresses": [to]},
        }
        if mail.headers:
            request["Content"] = {"Raw": {"Data": mime_message(self._from, to, mail)}}
        else:
            request["Content"] = {
                "Simple": {
                    "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Html": {"Data": mail.html, "Charset": "UTF-8"},
                        "Text": {"Data": mail.text, "Charset": "UTF-8"},
                    },
                }
            }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        response = self._client.send_email(**request)
        return str(response["MessageId"])
