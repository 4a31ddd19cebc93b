"""Collaborative submissions from the public, moderated (docs/submissions.md)."""
