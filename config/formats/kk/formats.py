"""Kazakh number and date formats (Django ships none for kk, so kk fell back to "100.0").

Kazakh writes a decimal comma and groups thousands with a (non-breaking) space, as Russian does.
Django reads this module because settings.FORMAT_MODULE_PATH names config.formats.
"""

DATE_FORMAT = "d.m.Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # non-breaking space
NUMBER_GROUPING = 3
