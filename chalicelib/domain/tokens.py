"""What every verifier of our signed tokens checks with its clock, beyond the signature."""

from __future__ import annotations

from datetime import datetime, timedelta

# Clock skew tolerated between issuer and verifier: a token issued further in the future
# comes from a clock far off, or was made up (a leaked key, a test key in production).
ISSUED_AT_LEEWAY = timedelta(seconds=60)


def issued_in_the_future(issued_at: datetime, now: datetime) -> bool:
    return issued_at > now + ISSUED_AT_LEEWAY
