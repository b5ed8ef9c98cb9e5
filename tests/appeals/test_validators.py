import pytest
from django.core.exceptions import ValidationError

from appeals.validators import check_digit, mask_identifier, validate_bin, validate_iin

from ..factories import valid_bin, valid_iin


@pytest.mark.parametrize("iin", [valid_iin(n) for n in range(1, 30, 3)])
def test_valid_iins_pass(iin):
    validate_iin(iin)


def test_check_digit_uses_the_second_weights_when_the_first_sum_gives_ten():
    # Find a prefix whose first weighted sum is 10 mod 11 and check the second pass decides.
    for n in range(100000):
        prefix = f"9001013{n:04d}"
        first = sum(w * int(d) for w, d in zip(range(1, 12), prefix, strict=True)) % 11
        if first == 10:
            second = sum(w * int(d) for w, d in zip((3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2), prefix, strict=True)) % 11
            assert check_digit(prefix) == (None if second == 10 else second)
            break
    else:
        pytest.fail("no prefix found")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "format"),
        ("12345", "format"),
        ("12345678901a", "format"),
        ("١٢٣٤٥٦٧٨٩٠١٢", "format"),  # non-ASCII digits
        ("900101700001", "century"),  # 7th digit 7
        ("901301300001", "date"),  # month 13
    ],
)
def test_malformed_iins_are_refused_with_a_reason(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_iin(value)
    assert exc.value.code == code


def test_a_wrong_check_digit_is_refused():
    good = valid_iin(7)
    bad = good[:11] + str((int(good[11]) + 1) % 10)
    with pytest.raises(ValidationError) as exc:
        validate_iin(bad)
    assert exc.value.code == "check_digit"


def test_bins_are_checked():
    good = valid_bin(5)
    validate_bin(good)
    with pytest.raises(ValidationError):
        validate_bin(good[:11] + str((int(good[11]) + 1) % 10))
    with pytest.raises(ValidationError):
        validate_bin("001340000000")  # month 13


def test_masking_keeps_the_last_four_digits():
    assert mask_identifier("900101300017") == "••••••••0017"
    assert mask_identifier("") == ""
