"""Choices of the agencies app, with translated labels, in one place."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    """The 17 regions and the 3 cities of republican significance."""

    ASTANA = "astana", _("Astana")
    ALMATY_CITY = "almaty_city", _("Almaty")
    SHYMKENT = "shymkent", _("Shymkent")
    ABAI = "abai", _("Abai Region")
    AKMOLA = "akmola", _("Akmola Region")
    AKTOBE = "aktobe", _("Aktobe Region")
    ALMATY_REGION = "almaty_region", _("Almaty Region")
    ATYRAU = "atyrau", _("Atyrau Region")
    EAST_KAZAKHSTAN = "east_kazakhstan", _("East Kazakhstan Region")
    ZHAMBYL = "zhambyl", _("Zhambyl Region")
    ZHETISU = "zhetisu", _("Zhetisu Region")
    WEST_KAZAKHSTAN = "west_kazakhstan", _("West Kazakhstan Region")
    KARAGANDA = "karaganda", _("Karaganda Region")
    KOSTANAY = "kostanay", _("Kostanay Region")
    KYZYLORDA = "kyzylorda", _("Kyzylorda Region")
    MANGYSTAU = "mangystau", _("Mangystau Region")
    PAVLODAR = "pavlodar", _("Pavlodar Region")
    NORTH_KAZAKHSTAN = "north_kazakhstan", _("North Kazakhstan Region")
    TURKISTAN = "turkistan", _("Turkistan Region")
    ULYTAU = "ulytau", _("Ulytau Region")


class AgencyKind(models.TextChoices):
    ADMINISTRATION = "administration", _("President's Administration")
    MINISTRY = "ministry", _("Ministry or central agency")
    DEPARTMENT = "department", _("Regional department")
    REGIONAL_AKIMAT = "regional_akimat", _("Regional akimat")
    DISTRICT_AKIMAT = "district_akimat", _("District or city akimat")
    RURAL_AKIMAT = "rural_akimat", _("Rural district akimat")
    OTHER = "other", _("Other body")


class Role(models.TextChoices):
    REGISTRAR = "registrar", _("Registrar")
    EXECUTOR = "executor", _("Executor")
    SUPERVISOR = "supervisor", _("Supervisor")
