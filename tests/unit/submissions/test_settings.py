"""The submissions HMAC key: the development key serves local stages only; a deployed stage
refuses it at settings validation and must be given its own (REPERE_SUBMISSIONS_HASH_SECRET)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.config import DEV_SUBMISSIONS_SECRET, Settings

REAL_SECRET = "a-stage-secret-from-secrets-manager-0123456789"
COGNITO = {
    "REPERE_AUTH_MODE": "cognito",
    "REPERE_COGNITO_USER_POOL_ARNS": "arn:aws:cognito-idp:eu-west-3:1:userpool/p",
}


@pytest.mark.parametrize("stage", ["dev", "prod", "staging"])
def test_a_deployed_stage_refuses_the_development_key(stage: str) -> None:
    with pytest.raises(ValidationError, match="REPERE_SUBMISSIONS_HASH_SECRET"):
        Settings.from_environ(
            {
                "REPERE_STAGE": stage,
                **COGNITO,
                "REPERE_SUBMISSIONS_HASH_SECRET": DEV_SUBMISSIONS_SECRET,
            }
        )


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_a_deployed_stage_without_its_key_never_falls_back_to_the_development_one(
    stage: str,
) -> None:
    # Valid settings (the workers, which are not given the key, load them too), but asking
    # for the key names the missing variable instead of using the development one.
    settings = Settings.from_environ({"REPERE_STAGE": stage, **COGNITO})
    with pytest.raises(ValueError, match="REPERE_SUBMISSIONS_HASH_SECRET"):
        settings.submissions_key()


def test_a_deployed_stage_uses_its_own_key() -> None:
    settings = Settings.from_environ(
        {"REPERE_STAGE": "prod", **COGNITO, "REPERE_SUBMISSIONS_HASH_SECRET": REAL_SECRET}
    )
    assert settings.submissions_key() == REAL_SECRET.encode()
    assert REAL_SECRET not in repr(settings)


def test_local_stages_use_the_development_key_and_short_keys_are_refused() -> None:
    assert Settings.from_environ({"REPERE_STAGE": "local"}).submissions_key() == (
        DEV_SUBMISSIONS_SECRET.encode()
    )
    assert Settings.from_environ({"REPERE_STAGE": "test"}).submissions_key() == (
        DEV_SUBMISSIONS_SECRET.encode()
    )
    with pytest.raises(ValidationError, match="32"):
        Settings.from_environ({"REPERE_SUBMISSIONS_HASH_SECRET": "short"})


def test_the_queue_limit_is_at_most_100() -> None:
    with pytest.raises(ValidationError):
        Settings.from_environ({"REPERE_SUBMISSIONS_QUEUE_MAX_LIMIT": "101"})
    assert Settings.from_environ({}).submissions_queue_max_limit == 100
