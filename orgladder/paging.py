"""One page of a longer list, as the HTML tables show it (the API pages with its own Window)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from math import ceil
from typing import Generic, TypeVar

Row = TypeVar("Row")


@dataclass
class Page(Generic[Row]):
    rows: list[Row]
    page: int
    per_page: int
    total: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, ceil(self.total / self.per_page))

    @staticmethod
    def within(page: int, per_page: int, total: int) -> int:
        """``page`` brought within the pages of ``total`` rows: a page past the end is the
        last one, and one before the start the first."""
        return min(max(1, page), max(1, ceil(total / per_page)))

    @classmethod
    def of(cls, items: Sequence[Row], page: int, per_page: int) -> Page[Row]:
        """The ``page``-th page of a list read whole."""
        page = cls.within(page, per_page, len(items))
        return cls(list(items[(page - 1) * per_page:page * per_page]), page, per_page, len(items))

    @property
    def first(self) -> int:
        """The position of the page's first row in the whole list, counting from 1."""
        return (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)
