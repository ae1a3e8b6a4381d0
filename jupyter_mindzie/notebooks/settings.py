"""A notebook's settings: the integration and environment rules the JSON Schemas cannot say."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter
from nbformat import NotebookNode

from jupyter_mindzie.contract import schemas
from jupyter_mindzie.errors import Forbidden, InvalidRequest
from jupyter_mindzie.i18n import Message, joined

DEFAULT_INTEGRATION: dict[str, Any] = {
    "enrichmentMode": False,
    "datasetBinding": None,
    "outputFormat": "enriched_dataframe",
    "autoExecution": False,
    "scheduleExecution": None,
    "scheduleTimezone": "UTC",
}

NO_NOTIFICATIONS: dict[str, Any] = {
    "onStart": [],
    "onSuccess": [],
    "onFailure": [],
    "onDurationWarningSeconds": None,
}


def settings_of(row: dict[str, Any]) -> dict[str, Any]:
    """The settings kept with each version and in the file's `metadata.mindzie`."""
    return {
        "notebookId": row["notebook_id"],
        "tenantId": row["tenant_id"],
        "projectId": row["project_id"],
        "notebookName": row["name"],
        "notebookDescription": row.get("description"),
        "kernelType": row["kernel_type"],
        "integration": row["integration"],
        "environment": row["environment"],
    }


def merge_integration(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Field-by-field merge with the rules the schema cannot say: cron syntax, binding case."""
    merged = {**DEFAULT_INTEGRATION, **current, **changes}
    merged["datasetBinding"] = (merged.get("datasetBinding") or "").lower() or None
    cron = merged.get("scheduleExecution") or None
    if cron is not None:
        cron = " ".join(cron.split())
        if len(cron.split(" ")) != 5 or not croniter.is_valid(cron):
            raise InvalidRequest.for_field(
                "integration.scheduleExecution",
                Message(
                    "must be a 5-field cron expression (minute hour day month weekday), got {cron!r}",
                    cron=cron,
                ),
            )
        if next_firing(cron) is None:
            raise InvalidRequest.for_field(
                "integration.scheduleExecution",
                Message(
                    "{cron!r} never fires (no such date, e.g. 30 February); choose a date that exists",
                    cron=cron,
                ),
            )
    merged["scheduleExecution"] = cron
    merged["scheduleTimezone"] = checked_zone(merged.get("scheduleTimezone") or "UTC")
    # Webhooks are replaced as a whole; none set is no key at all (notebooks made before them).
    if merged.get("notifications"):
        merged["notifications"] = {**NO_NOTIFICATIONS, **merged["notifications"]}
    else:
        merged.pop("notifications", None)
    if merged["autoExecution"] and not cron:
        raise InvalidRequest.for_field(
            "integration.scheduleExecution", Message("is required when autoExecution is true")
        )
    return merged


def next_firing(cron: str, after: datetime | None = None) -> datetime | None:
    """The cron's next slot after `after` (default now), or None for one that never fires.

    `croniter.is_valid` accepts `0 0 30 2 *`; only asking for its next slot shows it has none.
    """
    try:
        slot: datetime = croniter(cron, after or datetime.now(UTC)).get_next(datetime)
    except (CroniterError, ValueError):
        return None
    return slot


def schedule_of(integration: dict[str, Any]) -> str | None:
    """The cron a notebook runs on by itself, or None."""
    cron = integration.get("scheduleExecution")
    return cron if integration.get("autoExecution") and cron else None


def schedule_forbidden(field: str) -> Forbidden:
    """A schedule runs as whoever set it or changed its cells: that needs the execute grant."""
    return Forbidden(
        Message(
            "a scheduled notebook runs its cells as whoever set the schedule or changed its cells: "
            "that needs the grant to run notebooks in this tenant"
        ),
        errors=[{"field": field, "message": Message("needs the execute grant on a scheduled notebook")}],
    )


def checked_zone(name: str) -> str:
    """An IANA time zone name the server's tz database knows (`Europe/Berlin`), else a 400."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidRequest.for_field(
            "integration.scheduleTimezone",
            Message("must be an IANA time zone name such as Europe/Berlin or UTC, got {name!r}", name=name),
        ) from None
    return name


def file_environment(nb: NotebookNode) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The environment an uploaded file declares in `metadata.mindzie`, if it keeps the API's rules."""
    mindzie = nb.metadata.get("mindzie")
    declared = mindzie.get("environment", {}) if isinstance(mindzie, dict) else {}
    problems = schemas.definition_problems("environment", declared)
    if not problems:
        return declared, []
    reasons = joined(
        Message("{field}: {message}", field=p["field"] or "environment", message=p["message"])
        for p in problems[:3]
    )
    message = Message("metadata.mindzie.environment is ignored ({reasons})", reasons=reasons)
    return {}, [{"code": "environment-ignored", "field": "file", "message": message}]


def merge_environment(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, list[str]]:
    """packages and customLibraries; pythonVersion is read from the kernel, never taken as input."""
    return {
        "packages": list(changes.get("packages", current.get("packages", []))),
        "customLibraries": list(changes.get("customLibraries", current.get("customLibraries", []))),
    }


def updated_settings(old: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The settings after a PUT: each field the request names, by the rules above."""
    new = copy.deepcopy(old)
    for key in ("notebookName", "notebookDescription"):
        if key in request:
            new[key] = request[key].strip() if key == "notebookName" else request[key]
    if "integration" in request:
        new["integration"] = merge_integration(old["integration"], request["integration"])
    if "environment" in request:
        new["environment"] = merge_environment(old["environment"], request["environment"])
    return new
