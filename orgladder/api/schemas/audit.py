"""The audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from .common import Out, Page, PageQuery, QueryId


class AuditQuery(PageQuery):
    actor_id: QueryId | None = Field(None, description="Events by this person.")
    target_type: str | None = Field(None, max_length=40, pattern=r"^[A-Za-z]+$",
                                    description="e.g. Person, Ladder, Company.")
    target_id: QueryId | None = Field(None, description="With target_type: one object.")
    action: str | None = Field(None, max_length=64, pattern=r"^[a-z_.]+$",
                               description="e.g. level.assign, person.update.")
    since: date | None = Field(None, description="From this day on (UTC), inclusive.")
    until: date | None = Field(None, description="Up to this day (UTC), inclusive.")


class AuditEventOut(Out):
    id: int
    action: str
    actor_id: int | None
    actor_name: str | None
    actor_email: str | None
    target_type: str | None
    target_id: int | None
    target_name: str | None = Field(description="The person's name, when the target is one.")
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip: str | None
    created_at: datetime


class AuditPage(Page):
    items: list[AuditEventOut]
