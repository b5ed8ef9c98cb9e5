"""The user's desk (current agency, roles) for every template: the top bar shows it on every page."""

from django.utils.functional import SimpleLazyObject


def desk(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    from .common import request_desk

    return {"desk": SimpleLazyObject(lambda: request_desk(request))}
