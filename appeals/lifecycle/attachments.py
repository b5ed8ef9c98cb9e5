"""Attachments: the allowed types, recognised by their content, the size and count limits, storing a file."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import User

from ..calendar import policy
from ..models import (
    Appeal,
    Attachment,
)
from ..models.choices import (
    AppealAction,
    EventKind,
)
from . import rules
from .audit import write_event
from .rules import AppealError

_SIGNATURES: tuple[tuple[bytes, str, tuple[str, ...]], ...] = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword", (".doc",)),
)

ATTACHMENT_EXTENSIONS = tuple(ext for _sig, _ct, exts in _SIGNATURES for ext in exts) + (".txt",)


def sniff_content_type(head: bytes, filename: str) -> str | None:
    """The type of a file judged by its first bytes (and, for text, that it decodes); None if not allowed."""
    name = filename.lower()
    for signature, content_type, extensions in _SIGNATURES:
        if head.startswith(signature) and name.endswith(extensions):
            return content_type
    if name.endswith(".txt") and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a multibyte character cut at the end of the sample is fine
                return None
        return "text/plain"
    return None


def validate_upload(upload: UploadedFile) -> str:
    """Check size and type (by content); returns the content type to store."""
    max_bytes = int(policy.policy("ATTACHMENT_MAX_BYTES"))
    if upload.size is None or upload.size > max_bytes:
        raise AppealError({"file": [_("A file may be at most %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)}]})
    if upload.size == 0:
        raise AppealError({"file": [_("The file is empty.")]})
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    content_type = sniff_content_type(head, upload.name or "")
    if content_type is None:
        raise AppealError(
            {"file": [_("Allowed files: PDF, PNG, JPEG, DOC, DOCX and plain text, whose content matches the name.")]}
        )
    return content_type


@transaction.atomic
def appeal_add_attachment(*, appeal: Appeal, actor: User | None, upload: UploadedFile) -> Attachment:
    content_type = validate_upload(upload)
    if appeal.attachments.count() >= int(policy.policy("ATTACHMENT_MAX_COUNT")):
        raise AppealError(
            {"file": [_("An appeal carries at most %(n)s files.") % {"n": policy.policy("ATTACHMENT_MAX_COUNT")}]}
        )
    if actor is not None:
        rules.action_check(actor, appeal, AppealAction.NOTE)
    original_name = (upload.name or "file").replace("/", "_").replace("\\", "_")[-255:]
    attachment = Attachment(
        appeal=appeal,
        original_name=original_name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(original_name, upload, save=False)
    attachment.save()
    write_event(appeal, actor=actor, kind=EventKind.ATTACHMENT_ADDED, attachment=attachment.pk, name=original_name)
    return attachment
