"""Lists come a page at a time, in a stable order (every list ends its ORDER BY with the id, so
no row moves between pages when others tie), with the page fields in the body and RFC 8288
``Link`` headers to the first, previous, next and last pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any
from urllib.parse import urlencode

from flask import Response, request
from sqlalchemy import Select, func, select

from ..extensions import db
from .io import json_response
from .schemas.common import Page, PageQuery


@dataclass(frozen=True)
class Window:
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def fields(self) -> dict[str, int]:
        return {"page": self.page, "per_page": self.per_page, "total": self.total,
                "pages": self.pages}


def link_header(window: Window) -> str:
    args = request.args.to_dict(flat=True)

    def url(page: int) -> str:
        query = urlencode({**args, "page": page, "per_page": window.per_page})
        return f"{request.base_url}?{query}"

    links = [(url(1), "first")]
    if window.page > 1:
        links.append((url(min(window.page - 1, window.pages)), "prev"))
    if window.page < window.pages:
        links.append((url(window.page + 1), "next"))
    links.append((url(window.pages), "last"))
    return ", ".join(f'<{target}>; rel="{rel}"' for target, rel in links)


def paged_response(model: type[Page], items: Sequence[Any], window: Window) -> Response:
    page = model(items=list(items), **window.fields())
    return json_response(page, headers={"Link": link_header(window)})


def paginate(query: Select, paging: PageQuery) -> tuple[list, Window]:
    """One page of ``query`` (already in its stable order) and the window it is in."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    window = Window(paging.page, paging.per_page, total or 0)
    rows = db.session.execute(query.limit(window.per_page).offset(window.offset)).all()
    return rows, window


def paginate_list(items: Sequence[Any], paging: PageQuery) -> tuple[list, Window]:
    """One page of a list already in memory (short ones: a ladder's versions, a history)."""
    window = Window(paging.page, paging.per_page, len(items))
    return list(items[window.offset:window.offset + window.per_page]), window
