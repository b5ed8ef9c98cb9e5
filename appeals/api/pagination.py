"""Page-number pagination whose count stops at 10 000 (no COUNT over a million rows)."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination

from ..pagination import CappedCountPaginator


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedCountPaginator

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = (
            "The number of results, exact up to 10 000 (10 000 beyond it: narrow the filters)."
        )
        return response
