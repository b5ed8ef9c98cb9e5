"""Normalising Russian and Kazakh text before learning or matching (see DOMAIN.md).

People type Kazakh with the Russian look-alikes of its nine extra letters, mix in Russian words and
leave out punctuation. `normalise` keeps the letters (lower case, ё→е, Latin look-alikes to
Cyrillic, runs of spaces and punctuation collapsed); `fold` also maps the Kazakh letters to their
look-alikes, so "шатыр агып тур" and "шатыр ағып тұр" share features. The model reads both streams:
the folded one is an extra feature, never a replacement, since folding merges real distinctions.
"""

from __future__ import annotations

import re

# Latin letters that people type for Cyrillic ones (the keyboard layout left on English, or "i" for "і").
_LATIN_LOOKALIKES = str.maketrans(
    {"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "k": "к", "i": "і", "h": "һ"}
)
# The Kazakh letters and what people type for them; і and и are both folded to и.
_KAZAKH_FOLD = str.maketrans({"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и"})
_NON_WORD = re.compile(r"[^\w]+")
_DIGITS = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Lower case, ё→е, stray Latin look-alikes inside Cyrillic words to Cyrillic, numbers to 0,
    punctuation and runs of spaces to one space."""
    text = (text or "").lower().replace("ё", "е")
    words = []
    for word in _NON_WORD.sub(" ", text).split():
        if not word.isascii() or len(word) == 1:
            # a mixed word ("пaтер" with a Latin a) or a lone "i" (Kazakh "і")
            word = word.translate(_LATIN_LOOKALIKES)
        words.append(word)
    return _DIGITS.sub("0", " ".join(words))


def fold(text: str) -> str:
    """`normalise`, then the Kazakh letters folded to their Russian look-alikes."""
    return fold_normalised(normalise(text))


def fold_normalised(normalised: str) -> str:
    """`fold` of a text `normalise` already read."""
    return normalised.translate(_KAZAKH_FOLD)
