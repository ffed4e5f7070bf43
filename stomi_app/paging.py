"""Pages of a long list: which rows a page shows, how many pages there are, and the page numbers to offer."""
from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class Page:
    page: int
    per_page: int
    total: int
    items: list = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first(self) -> int:
        """The number of the first row shown (1-based), 0 when there are none."""
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.offset + self.per_page)


def clamp(page: int | None, total: int, per_page: int) -> Page:
    """The page asked for, kept between the first and the last page (a stale link to page 9 shows the last)."""
    pages = max(1, math.ceil(total / per_page))
    return Page(page=min(max(page or 1, 1), pages), per_page=per_page, total=total)


def page_numbers(page: int, pages: int) -> list[int | None]:
    """Page numbers to show: first, last and the neighbours of the current one; None marks a gap."""
    wanted = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    numbers: list[int | None] = []
    for n in wanted:
        if numbers and n - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


class Capped(list):
    """The first rows of a search that stops at a limit, with how many matched in all (``total``)."""

    def __init__(self, rows, total: int):
        super().__init__(rows)
        self.total = total

    @property
    def capped(self) -> bool:
        return self.total > len(self)


def capped_message(shown: int, total: int) -> str | None:
    """What a search that shows only its first rows says (None when it shows them all)."""
    from flask_babel import format_number, gettext as _

    if total <= shown:
        return None
    return _("Showing the first %(shown)s of %(total)s – type more to narrow the search.",
             shown=format_number(shown), total=format_number(total))
