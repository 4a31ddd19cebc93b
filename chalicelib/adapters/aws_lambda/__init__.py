"""Synchronous invocations of the stage's own workers (``function(..., "invoke")`` access)."""
