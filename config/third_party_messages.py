"""Messages of third-party packages that the desk shows and that we translate in our own catalogues.

Django looks up every msgid in one "django" domain, our locale/ first (LOCALE_PATHS), so an entry
here overrides or completes the package's own catalogue (django-axes ships ru but no kk; Django's
kk lacks the auth app's name; without a kk entry the ru text was shown in the Kazakh admin).
gettext_noop keeps them in locale/*.po when `make messages` runs with --no-obsolete.
"""

from django.utils.translation import gettext_noop

THIRD_PARTY_MESSAGES = [
    # django.contrib.auth (Django)
    gettext_noop("Authentication and Authorization"),
    # django-axes (axes/models.py)
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
]
