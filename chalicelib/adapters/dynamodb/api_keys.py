"""Partner API keys on DynamoDB (implements ``ApiKeyStore``): one item per key, keyed by its
public id. The item holds the key's SHA-256 and never its secret. ``all`` scans: a stage has
tens of partners, and only admins list them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.models import Model

from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.partners.models import ApiKey

_CONDITION_FAILED = "ConditionalCheckFailedException"


class ApiKeyRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    id = UnicodeAttribute(hash_key=True)
    body = UnicodeAttribute()  # the ApiKey as JSON, without ``revoked_at``
    revoked_at = UTCDateTimeAttribute(null=True)


def _key(record: ApiKeyRecord) -> ApiKey:
    key = ApiKey.model_validate_json(record.body)
    return key.model_copy(update={"revoked_at": record.revoked_at})


class DynamoApiKeyStore:
    def add(self, key: ApiKey) -> None:
        record = ApiKeyRecord(
            key.id,
            body=key.model_copy(update={"revoked_at": None}).model_dump_json(),
            revoked_at=key.revoked_at,
        )
        try:
            record.save(condition=ApiKeyRecord.id.does_not_exist())
        except PutError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                raise Conflict(f"a key with id {key.id!r} exists", field="id") from None
            raise

    def get(self, key_id: str) -> ApiKey | None:
        try:
            return _key(ApiKeyRecord.get(key_id, consistent_read=True))
        except ApiKeyRecord.DoesNotExist:
            return None

    def all(self) -> Sequence[ApiKey]:
        keys = [_key(record) for record in ApiKeyRecord.scan()]
        return sorted(keys, key=lambda key: (key.created_at, key.id), reverse=True)

    def revoke(self, key_id: str, at: datetime) -> ApiKey:
        record = ApiKeyRecord(key_id)
        try:
            record.update(
                actions=[ApiKeyRecord.revoked_at.set(at)],
                condition=ApiKeyRecord.id.exists() & ApiKeyRecord.revoked_at.does_not_exist(),
            )
        except UpdateError as error:
            if error.cause_response_code != _CONDITION_FAILED:
                raise
            # Unknown, or already revoked (the first date stays).
            found = self.get(key_id)
            if found is None:
                raise NotFound(f"no key with id {key_id!r}", field="key_id") from None
            return found
        return _key(record)
