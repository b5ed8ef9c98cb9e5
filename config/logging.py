"""Log records as one JSON object per line, with no personal data (issue 8).

`JsonFormatter` writes time, level, logger, message and the record's extra fields; `PersonalDataFilter`
blots out what looks like an IIN/BIN (12 digits), a phone number or an email address from the message
and its arguments, and drops the query string of any path (a search may carry personal data there).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

# Twelve digits standing alone: an IIN or a BIN.
_IDENTIFIER = re.compile(r"(?<!\d)\d{12}(?!\d)")
# A phone number: +7 or 8, then ten digits with spaces, dashes or brackets between.
_PHONE = re.compile(r"(?<![\w])(?:\+7|8)[\s\-()]*\d{3}[\s\-()]*\d{3}[\s\-]*\d{2}[\s\-]*\d{2}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A path followed by a query string ("GET /appeals/?q=... HTTP/1.1", "Not Found: /x?y=z").
_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def scrub(text: str) -> str:
    """The text without query strings, identifiers, phone numbers and emails."""
    text = _QUERY.sub(r"\1?…", text)
    text = _EMAIL.sub("[email]", text)
    text = _IDENTIFIER.sub("[iin/bin]", text)
    return _PHONE.sub("[phone]", text)


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not lose the record
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, scrub(value))
        # Django's request loggers attach the request: keep only what is safe.
        if hasattr(record, "request"):
            record.request = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key in _STANDARD or key.startswith("_") or value is None:
                continue
            if isinstance(value, str | int | float | bool):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)
