"""IINs and BINs for the tests, written independently of appeals/validators.py.

The tests must never make their "valid" numbers with the code they test: a wrong weight in the
validator would then make wrong numbers that the same validator accepts. So the numbers below are
checked by hand (the arithmetic is in the comments), and `with_check_digit` is a second, separate
implementation of the published rule (DOMAIN.md) that the factories use for the many distinct
numbers they need. tests/appeals/test_validators.py checks it against the hand-verified lists.

The rule: weights 1..11 over the first 11 digits, sum mod 11; when that gives 10, weights
3 4 5 6 7 8 9 10 11 1 2, sum mod 11; when that gives 10 again, no check digit fits.
"""

from __future__ import annotations

# --- Checked by hand ------------------------------------------------------------------------------
# (number, how the check digit was worked out)
VALID_IINS = [
    # The README's example. 9·1 + 0·2 + 0·3 + 1·4 + 0·5 + 1·6 + 3·7 + 0·8 + 0·9 + 0·10 + 0·11
    #   = 9 + 4 + 6 + 21 = 40; 40 mod 11 = 7 -> check digit 7.
    "900101300007",
    # Born 15 Jun 1985 (century digit 3). 8·1 + 5·2 + 0·3 + 6·4 + 1·5 + 5·6 + 3·7 + 0·8 + 0·9 + 0·10 + 1·11
    #   = 8 + 10 + 24 + 5 + 30 + 21 + 11 = 109; 109 mod 11 = 10 -> the second weights:
    #   8·3 + 5·4 + 0·5 + 6·6 + 1·7 + 5·8 + 3·9 + 0·10 + 0·11 + 0·1 + 1·2
    #   = 24 + 20 + 36 + 7 + 40 + 27 + 2 = 156; 156 mod 11 = 2 -> check digit 2.
    "850615300012",
    # The second weights giving 0. First: 8 + 10 + 24 + 5 + 30 + 21 = 98; 98 mod 11 = 10.
    #   Second: 24 + 20 + 36 + 7 + 40 + 27 = 154 = 14·11 -> check digit 0.
    "850615300000",
    # Born 12 May 2001 (century digit 5). 0·1 + 1·2 + 0·3 + 5·4 + 1·5 + 2·6 + 5·7 + 0·8 + 0·9 + 9·10 + 0·11
    #   = 2 + 20 + 5 + 12 + 35 + 90 = 164; 164 mod 11 = 10 -> second weights:
    #   0·3 + 1·4 + 0·5 + 5·6 + 1·7 + 2·8 + 5·9 + 0·10 + 0·11 + 9·1 + 0·2 = 4 + 30 + 7 + 16 + 45 + 9 = 111;
    #   111 mod 11 = 1 -> check digit 1.
    "010512500901",
    # Born 1 Jan 1990, a woman (4). 9 + 4 + 6 + 4·7 = 47; 47 mod 11 = 3 -> check digit 3.
    "900101400003",
]

VALID_BINS = [
    # Real-world-format BINs (YYMM of registration, then the entity type 4 and a serial).
    # 9·1 + 7·2 + 1·3 + 2·4 + 4·5 + 0·6 + 0·7 + 0·8 + 1·9 + 3·10 + 1·11
    #   = 9 + 14 + 3 + 8 + 20 + 9 + 30 + 11 = 104; 104 mod 11 = 5 -> check digit 5.
    "971240001315",
    # 9·1 + 4·2 + 0·3 + 1·4 + 4·5 + 0 + 0 + 0 + 0·9 + 3·10 + 8·11 = 9 + 8 + 4 + 20 + 30 + 88 = 159;
    #   159 mod 11 = 5 -> check digit 5.
    "940140000385",
    # 0·1 + 8·2 + 1·3 + 1·4 + 4·5 + 0 + 0 + 0 + 0·9 + 4·10 + 3·11 = 16 + 3 + 4 + 20 + 40 + 33 = 116;
    #   116 mod 11 = 6 -> check digit 6.
    "081140000436",
    # The second weights. 1·1 + 8·2 + 0·3 + 3·4 + 4·5 + 0 + 0 + 0 + 0 + 6·10 + 1·11 = 1 + 16 + 12 + 20 + 60 + 11
    #   = 120; 120 mod 11 = 10 -> 1·3 + 8·4 + 0·5 + 3·6 + 4·7 + 0 + 0 + 0 + 0 + 6·1 + 1·2
    #   = 3 + 32 + 18 + 28 + 6 + 2 = 89; 89 mod 11 = 1 -> check digit 1.
    "180340000611",
]

# Numbers one off a valid check digit (from the lists above).
WRONG_CHECK_DIGIT_IINS = ["900101300008", "900101300006", "850615300013", "850615300011", "010512500900"]
WRONG_CHECK_DIGIT_BINS = ["971240001314", "971240001316", "180340000612", "180340000610"]

# Prefixes for which no check digit fits ("10 twice"): every final digit is invalid.
# IIN prefix 85061530005: first 8 + 10 + 24 + 5 + 30 + 21 + 5·11 = 153; 153 mod 11 = 10;
#   second 24 + 20 + 36 + 7 + 40 + 27 + 5·2 = 164; 164 mod 11 = 10.
NO_CHECK_DIGIT_IIN_PREFIX = "85061530005"
# BIN prefix 18034000060: first 1 + 16 + 12 + 20 + 6·10 = 109; 109 mod 11 = 10;
#   second 3 + 32 + 18 + 28 + 6·1 = 87; 87 mod 11 = 10.
NO_CHECK_DIGIT_BIN_PREFIX = "18034000060"


# --- A separate implementation, for the factories -------------------------------------------------
_PASSES = (
    (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
    (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2),
)


def with_check_digit(first_eleven: str) -> str | None:
    """`first_eleven` followed by its check digit, or None when none fits (written apart from the app)."""
    assert len(first_eleven) == 11 and first_eleven.isdigit(), first_eleven
    for weights in _PASSES:
        total = 0
        for position in range(11):
            total += int(first_eleven[position]) * weights[position]
        remainder = total - (total // 11) * 11
        if remainder != 10:
            return first_eleven + str(remainder)
    return None


def valid_iin(seed: int) -> str:
    """A valid IIN for someone born in the 1980s (century digit 3); `seed` varies it."""
    serial = seed
    while True:
        candidate = with_check_digit(f"8{seed % 10}0{1 + seed % 9}1{5 + seed % 4}3{serial % 10000:04d}")
        if candidate:
            return candidate
        serial += 1


def valid_bin(seed: int) -> str:
    """A valid BIN registered in 20YY-MM (entity type 4); `seed` varies it."""
    serial = seed
    while True:
        candidate = with_check_digit(f"{10 + seed % 14:02d}{1 + seed % 12:02d}40{serial % 100000:05d}")
        if candidate:
            return candidate
        serial += 1
