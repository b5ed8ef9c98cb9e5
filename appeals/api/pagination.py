"""Page-number pagination whose count stops at 10 000 (no COUNT over a million rows)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

from ..desk.pagination import CappedCountPaginator


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedCountPaginator

    def get_page_size(self, request):
        """`page_size` from 1 to 200, else 400 (DRF would quietly fall back to 50 for `abc`, `-5` or `null`)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else None
        if value is None or not 1 <= value <= self.max_page_size:
            raise serializers.ValidationError(
                {
                    self.page_size_query_param: [
                        _("page_size is a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return value

    def get_page_number(self, request, paginator):
        """`page` from 1 (past the last page: 404), else 400 (DRF would read `page=` as page 1)."""
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if raw in self.last_page_strings:
            return paginator.num_pages
        if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 9 and int(raw) >= 1):
            raise serializers.ValidationError({self.page_query_param: [_("page is a whole number from 1.")]})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
            elif parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = (
            "The number of results, exact up to 10 000 (10 000 beyond it: narrow the filters)."
        )
        return response
