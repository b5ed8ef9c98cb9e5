"""The garbage collector of a long-running web process: long-lived objects out of its reach.

CPython's full (oldest-generation) collection walks every tracked object, and a Django process holds
about a hundred thousand long-lived ones: modules, classes, URL patterns, compiled templates, form and
serializer fields. At a million appeals such a collection took 150–180 ms once every ten or so requests
of the queue pages and the API: the whole gap between their median and their 95th percentile
(BENCHMARKS.md). After the first request, when the lazy imports are done and the templates compiled,
gc.freeze() moves what is alive to the permanent generation; a full collection then scans only what
the requests themselves leave behind. (Python's documentation recommends the same before forking
workers, so that a collection does not touch, and copy, the parent's memory pages.)
"""

from __future__ import annotations

import gc

from django.core.signals import request_finished

DISPATCH_UID = "appeals.heap.freeze_after_first_request"


def freeze_after_first_request(**kwargs) -> None:
    request_finished.disconnect(dispatch_uid=DISPATCH_UID)
    gc.collect()
    gc.freeze()


def install() -> None:
    request_finished.connect(freeze_after_first_request, dispatch_uid=DISPATCH_UID, weak=False)
