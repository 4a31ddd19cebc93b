"""Importers (docs/imports.md): data·inclusion v1, Open Referral HSDS 3.0 and Soliguide place
files, each a job with a dry-run report first, then an idempotent apply."""
