"""Update campaigns on DynamoDB (implements ``CampaignRepository``, docs/campaigns.md).

- ``campaigns``: one item per campaign (hash ``id``): the campaign as JSON, its ``status``
  as an attribute (replacing is conditional on it) and, once ended, the frozen figures.
  ``list_all`` scans: a few campaigns a year per territory. The same table holds one claim
  per department of a campaign not yet ended (id ``claim#<department>``, status ``claim``,
  ``holder`` the campaign): a campaign and its claims are written in one TransactWriteItems,
  each claim conditional on being free, so two starts racing on a department (different
  Idempotency-Keys, two moderators) cannot both get through; ending releases them in the same
  transaction as the frozen figures.
- ``campaign-targets``: one item per place of a campaign (hash ``campaign_id``, range
  ``place_id``), plain attributes so a reminder is counted by a conditional update.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.campaigns.models import (
    Campaign,
    CampaignStatus,
    CampaignTarget,
    MailStatus,
    TargetState,
)
from chalicelib.domain.errors import Conflict, NotFound

_CONDITION_FAILED = "ConditionalCheckFailedException"
_CLAIM = "claim"


class CampaignRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()
    body = UnicodeAttribute()  # JSON of the Campaign, snapshot included
    holder = UnicodeAttribute(null=True)  # claims only: the campaign holding the department


class CampaignTargetRecord(Model):
    class Meta:
        region = "eu-west-3"
        host = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE

    campaign_id = UnicodeAttribute(hash_key=True)
    place_id = UnicodeAttribute(range_key=True)
    department = UnicodeAttribute()
    state = UnicodeAttribute()
    channel = UnicodeAttribute(null=True)
    at = UnicodeAttribute(null=True)
    start_version = NumberAttribute()
    seen_version = NumberAttribute()
    mail = UnicodeAttribute()
    reminders = NumberAttribute()
    last_mailed_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


def _record(campaign: Campaign) -> CampaignRecord:
    return CampaignRecord(
        campaign.id, status=campaign.status.value, body=campaign.model_dump_json()
    )


def _target_record(target: CampaignTarget) -> CampaignTargetRecord:
    return CampaignTargetRecord(
        target.campaign_id,
        target.place_id,
        department=target.department,
        state=target.state.value,
        channel=target.channel,
        at=target.at.isoformat() if target.at is not None else None,
        start_version=target.start_version,
        seen_version=target.seen_version,
        mail=target.mail.value,
        reminders=target.reminders,
        last_mailed_at=target.last_mailed_at.isoformat()
        if target.last_mailed_at is not None
        else None,
        created_at=target.created_at.isoformat(),
    )


def _target(record: CampaignTargetRecord) -> CampaignTarget:
    return CampaignTarget(
        campaign_id=record.campaign_id,
        place_id=record.place_id,
        department=record.department,
        state=TargetState(record.state),
        channel=record.channel,
        at=datetime.fromisoformat(record.at) if record.at else None,
        start_version=int(record.start_version),
        seen_version=int(record.seen_version),
        mail=MailStatus(record.mail),
        reminders=int(record.reminders),
        last_mailed_at=datetime.fromisoformat(record.last_mailed_at)
        if record.last_mailed_at
        else None,
        created_at=datetime.fromisoformat(record.created_at),
    )


def _claim(department: str, campaign_id: str) -> CampaignRecord:
    return CampaignRecord(f"claim#{department}", status=_CLAIM, body="{}", holder=campaign_id)


def _free_or_held_by(campaign_id: str) -> Condition:
    condition: Condition = CampaignRecord.id.does_not_exist() | (
        CampaignRecord.holder == campaign_id
    )
    return condition


def _connection() -> Connection:
    connection: Connection = CampaignRecord._get_connection().connection
    return connection


class DynamoCampaignRepository:
    def create(self, campaign: Campaign) -> bool:
        try:
            with TransactWrite(connection=_connection()) as transaction:
                transaction.save(_record(campaign), condition=CampaignRecord.id.does_not_exist())
                for department in campaign.departments:
                    transaction.save(
                        _claim(department, campaign.id), condition=_free_or_held_by(campaign.id)
                    )
        except TransactWriteError as error:
            reasons = error.cancellation_reasons
            if not reasons:
                raise  # throttling, validation…: a real failure
            failed = [
                index
                for index, reason in enumerate(reasons)
                if reason is not None and reason.code == "ConditionalCheckFailed"
            ]
            if not failed:
                raise
            if failed[0] == 0:
                return False  # this campaign exists already: the caller reads it
            department = campaign.departments[failed[0] - 1]
            raise Conflict(
                f"another campaign is still running in {department}: end it first",
                field="departments",
                code="campaign_overlap",
            ) from None
        return True

    def get(self, campaign_id: str) -> Campaign:
        try:
            record = CampaignRecord.get(campaign_id, consistent_read=True)
        except CampaignRecord.DoesNotExist:
            raise NotFound(f"no campaign with id {campaign_id!r}", field="id") from None
        return Campaign.model_validate_json(record.body)

    def list_all(self) -> list[Campaign]:
        campaigns = [
            Campaign.model_validate_json(record.body)
            for record in CampaignRecord.scan(CampaignRecord.status != _CLAIM)
        ]
        return sorted(campaigns, key=lambda campaign: campaign.created_at, reverse=True)

    def replace(self, campaign: Campaign, *, expected_status: CampaignStatus) -> bool:
        condition_value = expected_status.value
        condition = CampaignRecord.status == condition_value
        if campaign.status is not CampaignStatus.ENDED:
            try:
                _record(campaign).save(condition=condition)
            except PutError as error:
                if error.cause_response_code == _CONDITION_FAILED:
                    return False
                raise
            return True
        # Ending: the frozen figures and the release of the departments, together. Only the
        # claims this campaign holds are released (read first, then deleted on that holder).
        held = [
            record
            for record in CampaignRecord.batch_get(
                [f"claim#{department}" for department in campaign.departments]
            )
            if record.holder == campaign.id
        ]
        try:
            with TransactWrite(connection=_connection()) as transaction:
                transaction.save(_record(campaign), condition=condition)
                for claim in held:
                    transaction.delete(claim, condition=CampaignRecord.holder == campaign.id)
        except TransactWriteError as error:
            reasons = error.cancellation_reasons
            if not reasons or not any(
                reason is not None and reason.code == "ConditionalCheckFailed" for reason in reasons
            ):
                raise
            # pynamodb orders a transaction's items by kind, so read which condition failed:
            # the campaign's status changed (ended concurrently) is the only one it may.
            if CampaignRecord.get(campaign.id, consistent_read=True).status != condition_value:
                return False
            raise
        return True

    def targets(self, campaign_id: str) -> list[CampaignTarget]:
        return [
            _target(record)
            for record in CampaignTargetRecord.query(campaign_id, consistent_read=True)
        ]

    def add_target(self, target: CampaignTarget) -> bool:
        try:
            _target_record(target).save(condition=CampaignTargetRecord.place_id.does_not_exist())
        except PutError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                return False
            raise
        return True

    def save_target(self, target: CampaignTarget) -> None:
        record = CampaignTargetRecord(target.campaign_id, target.place_id)
        # Only the computed state: a reminder counted concurrently is not overwritten.
        record.update(
            actions=[
                CampaignTargetRecord.state.set(target.state.value),
                CampaignTargetRecord.channel.set(target.channel)
                if target.channel is not None
                else CampaignTargetRecord.channel.remove(),
                CampaignTargetRecord.at.set(target.at.isoformat())
                if target.at is not None
                else CampaignTargetRecord.at.remove(),
                CampaignTargetRecord.seen_version.set(target.seen_version),
            ],
            condition=CampaignTargetRecord.place_id.exists(),
        )

    def record_reminder(self, campaign_id: str, place_id: str, number: int, at: datetime) -> bool:
        record = CampaignTargetRecord(campaign_id, place_id)
        try:
            record.update(
                actions=[
                    CampaignTargetRecord.reminders.set(number),
                    CampaignTargetRecord.last_mailed_at.set(at.isoformat()),
                ],
                condition=CampaignTargetRecord.reminders == number - 1,
            )
        except UpdateError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                return False
            raise
        return True
