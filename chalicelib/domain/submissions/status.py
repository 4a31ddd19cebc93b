"""The states of a submission, apart from the models: the moderation queue's query string
names one, and the API should not load every submission model to parse it."""

from __future__ import annotations

from enum import StrEnum


class SubmissionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    MERGED = "merged"
