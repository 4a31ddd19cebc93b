"""The Amazon Translate adapter against botocore's Stubber: the request it sends (French
source, our language codes as Amazon's) and the response shape it reads."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.adapters.translate.amazon import AmazonTranslator


def client_and_stub() -> tuple[object, Stubber]:
    client = boto3.client("translate", region_name="eu-west-3")
    return client, Stubber(client)


def response(text: str, target: str) -> dict[str, object]:
    # The shape TranslateText answers with (botocore's model validates it too).
    return {"TranslatedText": text, "SourceLanguageCode": "fr", "TargetLanguageCode": target}


@pytest.mark.parametrize(
    ("target", "translated"),
    [("fa", "دوش آب گرم"), ("ps", "ګرم شاور"), ("uk", "Гарячий душ"), ("ro", "Duș cald")],
)
def test_each_text_is_one_translate_text_call_from_french(target: str, translated: str) -> None:
    client, stub = client_and_stub()
    stub.add_response(
        "translate_text",
        response(translated, target),
        {"Text": "Douches chaudes", "SourceLanguageCode": "fr", "TargetLanguageCode": target},
    )
    stub.add_response(
        "translate_text",
        response("…", target),
        {"Text": "Sur rendez-vous", "SourceLanguageCode": "fr", "TargetLanguageCode": target},
    )
    with stub:
        result = AmazonTranslator(client).translate(["Douches chaudes", "Sur rendez-vous"], target)  # type: ignore[arg-type]
    assert result == [translated, "…"]
    stub.assert_no_pending_responses()


def test_a_service_error_propagates_for_the_worker_to_retry() -> None:
    client, stub = client_and_stub()
    stub.add_client_error(
        "translate_text", service_error_code="TooManyRequestsException", http_status_code=429
    )
    with stub, pytest.raises(client.exceptions.TooManyRequestsException):  # type: ignore[attr-defined]
        AmazonTranslator(client).translate(["Douches"], "ar")


def test_a_text_over_amazons_limit_is_refused_before_calling() -> None:
    client, stub = client_and_stub()
    with stub, pytest.raises(ValueError, match="10000 bytes"):
        AmazonTranslator(client).translate(["é" * 6000], "es")
    stub.assert_no_pending_responses()
