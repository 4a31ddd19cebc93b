"""Translations on DynamoDB (implements ``TranslationStore``): one item per place, language and
text, keyed ``place_id`` / ``lang#field`` (``uk#services.douche.description``), so a place's
translations in one language are one Query, and a search page's are one BatchGetItem.

The worker's checkpoint in the change feed lives in the same table, under a partition key
that no place id can take (``#checkpoint``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.models import Model

from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.translations.languages import Language
from chalicelib.domain.translations.models import StoredTranslation

_CONDITION_FAILED = "ConditionalCheckFailedException"
CHECKPOINTS = "#checkpoint"
BATCH_KEYS = 100  # BatchGetItem's limit


class TranslationRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    place_id = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)  # "<lang>#<field path>", or a checkpoint's name
    text = UnicodeAttribute(null=True)
    source_hash = UnicodeAttribute(null=True)
    origin = UnicodeAttribute(null=True)
    version = NumberAttribute(default=1)
    updated_at = UTCDateTimeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    seq = NumberAttribute(null=True)  # checkpoints only


def _key(lang: str, field: str) -> str:
    return f"{lang}#{field}"


def _translation(record: TranslationRecord) -> StoredTranslation:
    lang, _, field = record.key.partition("#")
    return StoredTranslation.model_validate(
        {
            "place_id": record.place_id,
            "lang": lang,
            "field": field,
            "text": record.text,
            "source_hash": record.source_hash,
            "origin": record.origin,
            "version": int(record.version),
            "updated_at": record.updated_at,
            "updated_by": record.updated_by,
        }
    )


class DynamoTranslationStore:
    def of_place(self, place_id: str, lang: Language) -> dict[str, StoredTranslation]:
        records = TranslationRecord.query(
            place_id, TranslationRecord.key.startswith(f"{lang}#"), consistent_read=True
        )
        return {t.field: t for t in map(_translation, records)}

    def of_places(
        self, wanted: Mapping[str, Iterable[str]], lang: Language
    ) -> dict[str, dict[str, StoredTranslation]]:
        keys = [
            (place_id, _key(lang, field)) for place_id, fields in wanted.items() for field in fields
        ]
        found: dict[str, dict[str, StoredTranslation]] = {}
        # PynamoDB sends BatchGetItem in chunks of 100 keys and retries unprocessed keys.
        for record in TranslationRecord.batch_get(keys):
            translation = _translation(record)
            found.setdefault(translation.place_id, {})[translation.field] = translation
        return found

    def all_of_place(self, place_id: str) -> list[StoredTranslation]:
        return [_translation(r) for r in TranslationRecord.query(place_id, consistent_read=True)]

    def put(self, translation: StoredTranslation, *, expected_version: int | None) -> None:
        record = TranslationRecord(
            translation.place_id,
            _key(translation.lang, translation.field),
            text=translation.text,
            source_hash=translation.source_hash,
            origin=translation.origin,
            version=translation.version,
            updated_at=translation.updated_at,
            updated_by=translation.updated_by,
        )
        condition = (
            TranslationRecord.key.does_not_exist()
            if expected_version is None
            else TranslationRecord.version == expected_version
        )
        try:
            record.save(condition=condition)
        except PutError as error:
            if error.cause_response_code != _CONDITION_FAILED:
                raise
            current = self._current_version(translation)
            raise VersionConflict(
                f"the {translation.lang} translation of {translation.field} changed meanwhile",
                current_version=current,
            ) from None

    def _current_version(self, translation: StoredTranslation) -> int | None:
        try:
            record = TranslationRecord.get(
                translation.place_id,
                _key(translation.lang, translation.field),
                consistent_read=True,
            )
        except TranslationRecord.DoesNotExist:
            return None
        return int(record.version)

    def delete(self, translation: StoredTranslation) -> None:
        record = TranslationRecord(translation.place_id, _key(translation.lang, translation.field))
        try:
            record.delete(condition=TranslationRecord.version == translation.version)
        except DeleteError as error:
            if error.cause_response_code != _CONDITION_FAILED:
                raise

    def checkpoint(self, name: str) -> int:
        try:
            record = TranslationRecord.get(CHECKPOINTS, name, consistent_read=True)
        except TranslationRecord.DoesNotExist:
            return 0
        return int(record.seq or 0)

    def advance(self, name: str, before: int, after: int) -> None:
        record = TranslationRecord(CHECKPOINTS, name)
        condition = (
            TranslationRecord.seq.does_not_exist()
            if before == 0
            else TranslationRecord.seq == before
        )
        try:
            record.update(actions=[TranslationRecord.seq.set(after)], condition=condition)
        except UpdateError as error:
            if error.cause_response_code != _CONDITION_FAILED:
                raise
            raise VersionConflict(
                f"checkpoint {name} moved past {before}", current_version=self.checkpoint(name)
            ) from None
