"""Email built from templates: <name>_subject.txt, <name>_body.txt and <name>_body.html.

Templates live in templates/appeals/emails/ and are rendered in the recipient's language.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def build_email(
    *,
    template: str,
    to: list[str],
    context: dict[str, Any],
    language: str,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language):
        subject = render_to_string(f"appeals/emails/{template}_subject.txt", context)
        text = render_to_string(f"appeals/emails/{template}_body.txt", context)
        html = render_to_string(f"appeals/emails/{template}_body.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers=headers or {},
    )
    message.attach_alternative(html, "text/html")
    return message
