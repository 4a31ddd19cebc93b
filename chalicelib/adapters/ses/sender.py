"""Sending through SES v2 (implements ``MailSender``): one simple message, HTML and text
parts, UTF-8."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.mail.models import RenderedMail


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
            "Content": {
                "Simple": {
                    "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Html": {"Data": mail.html, "Charset": "UTF-8"},
                        "Text": {"Data": mail.text, "Charset": "UTF-8"},
                    },
                }
            },
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        response = self._client.send_email(**request)
        return str(response["MessageId"])
