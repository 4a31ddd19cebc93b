"""Lambda function ``imports``: the dry run or the apply of an import job (docs/imports.md),
for files beyond what the HTTP routes take in API Gateway's 29 seconds (up to
REPERE_IMPORTS_MAX_BYTES).

Same ``ImportService`` and rules as ``/admin/imports``. IAM decides who may invoke the
function; the event's ``caller`` says on whose behalf it runs (an admin). Event::

    {"caller": {"subject": "ops-alice", "role": "admin", "departments": []},
     "import_id": "<id from POST /admin/imports>", "action": "dry-run"}
    {"caller": {...}, "import_id": "...", "action": "apply", "version": 2}

``version`` is the report's ETag (``GET /admin/imports/{id}``): an apply of another report is
refused. An apply that stopped (time out, crash) can be invoked again with the same event: the
places it wrote are recognised and not written twice (chalicelib/domain/imports/service.py).
Locally: ``make invoke FN=imports EVENT='{...}'``.

Answers ``{"ok": true, "job": {...}, "summary": {...}}``, or ``{"ok": false, "error": ...}``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from chalicelib.domain.auth import Principal
from chalicelib.domain.errors import RepereError
from chalicelib.domain.hours.models import DomainModel
from chalicelib.observability import logger
from functions.runtime import ok_false, services, worker

SERVICE = "repere-imports"


class ImportEvent(DomainModel):
    caller: Principal
    import_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    action: Literal["dry-run", "apply"]
    version: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _apply_needs_version(self) -> ImportEvent:
        if self.action == "apply" and self.version is None:
            raise ValueError("an apply names the report's version (its ETag)")
        return self


@worker(SERVICE, event=ImportEvent, refuse=ok_false)
def handler(event: ImportEvent, context: Any) -> dict[str, Any]:
    service = services().import_service
    try:
        if event.action == "dry-run":
            view = service.dry_run(event.caller, event.import_id)
        else:
            version = event.version or 0  # the event model requires it for an apply
            view = service.apply(event.caller, event.import_id, expected_version=version)
    except RepereError as error:
        logger.warning(
            "import_refused",
            extra={"import_id": event.import_id, "code": error.code, "field": error.field},
        )
        return {
            "ok": False,
            "error": {"code": error.code, "message": error.message, "field": error.field},
        }
    job = view.job
    logger.info(
        "import_run",
        extra={
            "import_id": job.id,
            "action": event.action,
            "status": job.status.value,
            "summary": job.summary.model_dump() if job.summary else None,
        },
    )
    return {
        "ok": True,
        "job": job.model_dump(mode="json", exclude_none=True),
        "summary": job.summary.model_dump() if job.summary else None,
    }
