from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .choices import AgencyKind, Region, Role


def _localized(obj, field: str) -> str:
    """The kk name under the Kazakh interface, else the Russian one (agencies have no English name)."""
    if (get_language() or "").startswith("kk"):
        return getattr(obj, f"{field}_kk") or getattr(obj, f"{field}_ru")
    return getattr(obj, f"{field}_ru") or getattr(obj, f"{field}_kk")


class User(AbstractUser):
    """A member of staff. Citizens never sign in: they only receive email."""

    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    language = models.CharField(_("interface language"), max_length=8, choices=settings.LANGUAGES, default="ru")
    receive_digest = models.BooleanField(
        _("receive the daily digest"),
        default=True,
        help_text=_("Overdue notices are always sent; only the daily digest can be switched off."),
    )
    receive_signals = models.BooleanField(
        _("receive the weekly signals"),
        default=True,
        help_text=_("A supervisor's weekly email of what is unusual in their agencies' appeals."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = " ".join(part for part in (self.last_name, self.first_name) if part)
        return full or self.username


class Agency(models.Model):
    """A state body. The tree has any depth; `path` ("/1/5/42/") makes a subtree one indexed query."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=255)
    name_ru = models.CharField(_("name (Russian)"), max_length=255)
    kind = models.CharField(_("kind"), max_length=32, choices=AgencyKind.choices, default=AgencyKind.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent body"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(_("tree path"), max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)
    region = models.CharField(
        _("region"),
        max_length=32,
        choices=Region.choices,
        blank=True,
        help_text=_("Empty for national bodies."),
    )
    email = models.EmailField(_("contact email"), blank=True)
    target_working_days = models.PositiveSmallIntegerField(
        _("own target, working days"),
        null=True,
        blank=True,
        help_text=_("A shorter term the body sets itself; the statutory term still applies."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["path"]
        indexes = [
            # LIKE 'prefix%' on a non-C collation needs the pattern operator class in PostgreSQL
            # (ignored elsewhere).
            models.Index(fields=["path"], name="agency_path_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localized(self, "name")

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this agency's parent, read from the path without a query."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]


class Membership(models.Model):
    """A user's role in an agency; a user may hold several roles and several agencies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="membership_unique_role"),
        ]
        indexes = [models.Index(fields=["agency", "role"], name="membership_agency_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.agency} · {self.get_role_display()}"


class Category(models.Model):
    """A topic of appeals (utilities, roads, housing...). Two levels: a group and its topics."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=255)
    name_ru = models.CharField(_("name (Russian)"), max_length=255)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localized(self, "name")


class CategoryRoute(models.Model):
    """The competent agency for a category, per region (an empty region is the national default)."""

    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="routes")
    region = models.CharField(_("region"), max_length=32, choices=Region.choices, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="category_routes"
    )

    class Meta:
        verbose_name = _("category route")
        verbose_name_plural = _("category routes")
        constraints = [
            models.UniqueConstraint(fields=["category", "region"], name="category_route_unique_region"),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.get_region_display() or '—'} → {self.agency}"
