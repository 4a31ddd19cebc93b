"""`make token ROLE=admin [DEPARTMENTS=75,93] [SUBJECT=...] [NAME=...] [HOURS=12]`: print a
bearer token for the local stack (signed with REPERE_LOCAL_JWT_SECRET, by default the
development secret that deployed stages refuse).

    curl -H "Authorization: Bearer $(make -s token ROLE=admin)" localhost:8000/admin/me
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from chalicelib.api.auth import verifier_for
from chalicelib.config import get_settings
from chalicelib.domain.auth import Role


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a back-office token for the local stack.")
    parser.add_argument("--role", required=True, choices=[role.value for role in Role])
    parser.add_argument("--departments", default="", help="comma-separated, e.g. 75,93")
    parser.add_argument("--subject", default="", help="default: local-<role>")
    parser.add_argument("--name", default="", help="display name kept in the history")
    parser.add_argument("--hours", type=float, default=12.0, help="lifetime (default 12)")
    args = parser.parse_args(argv)
    role = Role(args.role)
    departments = tuple(code.strip() for code in args.departments.split(",") if code.strip())
    if role is not Role.ADMIN and not departments:
        print(f"warning: a {role.value} without DEPARTMENTS can do nothing", file=sys.stderr)
    token = verifier_for(get_settings()).issue(
        subject=args.subject or f"local-{role.value}",
        role=role,
        departments=departments,
        name=args.name or None,
        now=datetime.now(UTC),
        ttl=timedelta(hours=args.hours),
    )
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
