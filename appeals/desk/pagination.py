"""Pagination that never counts a million rows: the count stops at a cap."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    """A Paginator whose `count` is exact up to `cap` and `cap` beyond it.

    COUNT(*) over a LIMITed subquery reads at most cap + 1 index entries, so a list of a
    million appeals costs the same as one of ten thousand. `is_capped` tells the template to
    show "10 000+".
    """

    cap = 10_000

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, cap: int | None = None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        if cap is not None:
            self.cap = cap

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by()[: self.cap + 1].count()
        return min(counted, self.cap)

    @cached_property
    def is_capped(self) -> bool:
        return self.object_list.order_by()[: self.cap + 1].count() > self.cap
