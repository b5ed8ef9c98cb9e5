"""IIN and BIN: twelve digits, the last a check digit (the official algorithm, DOMAIN.md)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_FIRST_WEIGHTS = tuple(range(1, 12))
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def check_digit(first_eleven: str) -> int | None:
    """The control digit of an IIN/BIN, or None when the number cannot have a valid one."""
    digits = [int(ch) for ch in first_eleven]
    value = sum(w * d for w, d in zip(_FIRST_WEIGHTS, digits, strict=True)) % 11
    if value == 10:
        value = sum(w * d for w, d in zip(_SECOND_WEIGHTS, digits, strict=True)) % 11
        if value == 10:
            return None
    return value


def _has_valid_check_digit(number: str) -> bool:
    expected = check_digit(number[:11])
    return expected is not None and expected == int(number[11])


def _twelve_digits(value: str, what) -> str:
    number = (value or "").strip()
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        raise ValidationError(_("%(what)s must be exactly 12 digits."), code="format", params={"what": what})
    return number


def validate_iin(value: str) -> None:
    """An individual's IIN: birth date YYMMDD, a century-and-sex digit 1–6, a valid check digit."""
    number = _twelve_digits(value, _("IIN"))
    century_digit = int(number[6])
    if century_digit not in range(1, 7):
        raise ValidationError(_("The 7th digit of an IIN must be from 1 to 6."), code="century")
    century = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}[century_digit]
    try:
        date(century + int(number[0:2]), int(number[2:4]), int(number[4:6]))
    except ValueError:
        raise ValidationError(_("The first six digits of an IIN must be a birth date (YYMMDD)."), code="date") from None
    if not _has_valid_check_digit(number):
        raise ValidationError(_("This IIN has a wrong check digit."), code="check_digit")


def validate_bin(value: str) -> None:
    """A legal entity's BIN: registration year and month YYMM, then digits, and a valid check digit."""
    number = _twelve_digits(value, _("BIN"))
    if not 1 <= int(number[2:4]) <= 12:
        raise ValidationError(_("Digits 3–4 of a BIN must be a month (01–12)."), code="month")
    if not _has_valid_check_digit(number):
        raise ValidationError(_("This BIN has a wrong check digit."), code="check_digit")


def make_valid_number(first_eleven: str) -> str | None:
    """Append the check digit (used by the demo data and the tests); None when no digit fits."""
    digit = check_digit(first_eleven)
    return None if digit is None else f"{first_eleven}{digit}"


def mask_identifier(value: str) -> str:
    """Show only the last four digits of an IIN/BIN: ••••••••1234."""
    if not value:
        return ""
    return "•" * max(0, len(value) - 4) + value[-4:]
