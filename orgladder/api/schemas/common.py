"""Shapes shared by every resource: problems, pagination, query-string types."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ...tenancy import MAX_ID

_DIGITS = re.compile(r"^[0-9]{1,10}$")


def _whole_number(value: Any) -> Any:
    """Query strings carry digits only: no sign, spaces, decimals or exponents."""
    if isinstance(value, str) and not _DIGITS.match(value):
        raise ValueError("must be a whole number written in digits")
    return value


def _omit_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def patch_field(**kwargs: Any) -> Any:
    """A PATCH field: left out, it leaves the value alone; sent, it may not be null (unless its
    type says so)."""
    return Field(None, json_schema_extra=_omit_default, **kwargs)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# The bounds come before the digits check, or pydantic cannot state them in JSON Schema.
QueryId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_whole_number)]


class Out(BaseModel):
    """A response body. Fields are added over time, never renamed (scripts rely on them)."""

    model_config = ConfigDict(extra="forbid")


class In(BaseModel):
    """A request body: unknown fields are refused, so a typo is not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    """Query-string parameters. One the operation does not know is refused: a misspelt filter
    would otherwise be ignored, and a script would get everyone instead of a few."""

    model_config = ConfigDict(extra="forbid")


class FieldError(Out):
    field: str = Field(description="Where the fault is: a field name or a dotted path.")
    message: str


class Problem(BaseModel):
    """An error, as RFC 9457 describes (``application/problem+json``)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})

    type: str = Field(description="`about:blank` or `urn:orgladder:problem:<kind>`.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = Field(
        None, description="Field errors of invalid input (400, 422).")


class PageQuery(Query):
    page: Annotated[int, Field(ge=1, le=1_000_000), BeforeValidator(_whole_number)] = Field(
        1, description="Page number, from 1.")
    per_page: Annotated[int, Field(ge=1, le=200), BeforeValidator(_whole_number)] = Field(
        50, description="Items per page, at most 200.")


class Page(Out):
    """A page of a list. ``Link`` headers carry the first, previous, next and last pages."""

    page: int = Field(ge=1)
    per_page: int = Field(ge=1)
    total: int = Field(ge=0, description="Items on all pages.")
    pages: int = Field(ge=1)


class Ref(Out):
    """Another object, named for display."""

    id: int
    name: str
