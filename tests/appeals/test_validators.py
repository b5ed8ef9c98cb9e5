"""IIN/BIN checks against numbers worked out by hand (tests/identifiers.py), never against the formula itself."""

import pytest
from django.core.exceptions import ValidationError

from appeals.models.validators import check_digit, mask_identifier, validate_bin, validate_iin

from ..identifiers import (
    NO_CHECK_DIGIT_BIN_PREFIX,
    NO_CHECK_DIGIT_IIN_PREFIX,
    VALID_BINS,
    VALID_IINS,
    WRONG_CHECK_DIGIT_BINS,
    WRONG_CHECK_DIGIT_IINS,
    valid_bin,
    valid_iin,
    with_check_digit,
)


def refusal(validate, value) -> str:
    with pytest.raises(ValidationError) as exc:
        validate(value)
    return exc.value.code


@pytest.mark.parametrize("iin", VALID_IINS)
def test_hand_checked_iins_pass(iin):
    validate_iin(iin)


@pytest.mark.parametrize("bin_", VALID_BINS)
def test_hand_checked_bins_pass(bin_):
    validate_bin(bin_)


@pytest.mark.parametrize(
    ("first_eleven", "digit"),
    [
        ("90010130000", 7),  # first weights: 40 mod 11
        ("97124000131", 5),  # first weights: 104 mod 11
        ("85061530001", 2),  # first 109 mod 11 = 10, second 156 mod 11 = 2
        ("85061530000", 0),  # first 98 mod 11 = 10, second 154 mod 11 = 0
        ("18034000061", 1),  # first 120 mod 11 = 10, second 89 mod 11 = 1
        (NO_CHECK_DIGIT_IIN_PREFIX, None),  # 10 with both weights
        (NO_CHECK_DIGIT_BIN_PREFIX, None),
    ],
)
def test_the_check_digit_worked_out_by_hand(first_eleven, digit):
    assert check_digit(first_eleven) == digit


def test_the_second_weights_decide_when_the_first_sum_gives_ten():
    # 850615300012: the first weights give 10, the second 2 (tests/identifiers.py). With only the first
    # weights the number would have no valid digit; with the second weights skipped it would need a 10.
    validate_iin("850615300012")
    validate_iin("850615300000")
    validate_bin("180340000611")
    assert refusal(validate_iin, "850615300010") == "check_digit"  # 0 is not 2


@pytest.mark.parametrize("last", range(10))
def test_no_digit_is_valid_when_both_weights_give_ten(last):
    assert refusal(validate_iin, f"{NO_CHECK_DIGIT_IIN_PREFIX}{last}") == "check_digit"
    assert refusal(validate_bin, f"{NO_CHECK_DIGIT_BIN_PREFIX}{last}") == "check_digit"


@pytest.mark.parametrize("iin", WRONG_CHECK_DIGIT_IINS)
def test_an_iin_with_a_check_digit_one_off_is_refused(iin):
    assert refusal(validate_iin, iin) == "check_digit"


@pytest.mark.parametrize("bin_", WRONG_CHECK_DIGIT_BINS)
def test_a_bin_with_a_check_digit_one_off_is_refused(bin_):
    assert refusal(validate_bin, bin_) == "check_digit"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "format"),
        ("12345", "format"),
        ("12345678901a", "format"),
        ("١٢٣٤٥٦٧٨٩٠١٢", "format"),  # non-ASCII digits
        ("9001013000070", "format"),  # 13 digits
        ("900101700001", "century"),  # 7th digit 7
        ("900101000007", "century"),  # 7th digit 0
        ("901301300001", "date"),  # month 13
        ("900230300005", "date"),  # 30 February
    ],
)
def test_malformed_iins_are_refused_with_a_reason(value, code):
    assert refusal(validate_iin, value) == code


def test_a_bin_needs_a_month_in_digits_three_and_four():
    assert refusal(validate_bin, "001340000000") == "month"
    assert refusal(validate_bin, "970040001315") == "month"


def test_the_tests_own_implementation_agrees_with_the_hand_checked_numbers():
    """The factories use tests/identifiers.with_check_digit; it must give the hand-checked answers."""
    for number in VALID_IINS + VALID_BINS:
        assert with_check_digit(number[:11]) == number
    for number in WRONG_CHECK_DIGIT_IINS + WRONG_CHECK_DIGIT_BINS:
        assert with_check_digit(number[:11]) != number
    assert with_check_digit(NO_CHECK_DIGIT_IIN_PREFIX) is None
    assert with_check_digit(NO_CHECK_DIGIT_BIN_PREFIX) is None


@pytest.mark.parametrize("seed", range(0, 200, 7))
def test_the_factories_numbers_pass_the_validator(seed):
    validate_iin(valid_iin(seed))
    validate_bin(valid_bin(seed))


def test_masking_keeps_the_last_four_digits():
    assert mask_identifier("900101300017") == "••••••••0017"
    assert mask_identifier("") == ""
