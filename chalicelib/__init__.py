"""Repère's shared code: the API (api/), the domain (domain/), adapters, settings, composition."""

import os

# Repère uses no pydantic plugin. Looking for plugins scans the entry points of every installed
# distribution (importlib.metadata) at the first validation: ~20 ms of every cold start, API and
# workers alike, for nothing. pydantic reads this on that first validation, so setting it here,
# before any of our models validates, is enough; a deployment may still override it.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
