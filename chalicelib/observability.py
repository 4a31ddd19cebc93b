"""Logging and metrics, configured once (Powertools). Structured keys, never message formatting
of request data: the query string, headers and bodies are not logged (they may hold tokens or
a submitter's contact)."""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="repere-api")
