from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Agency, Category, CategoryRoute, Membership, User
from .services import agency_save


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["agency", "user"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "last_name", "first_name", "email", "language", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "language", "memberships__role"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Otinish Desk"), {"fields": ("patronymic", "language", "receive_digest", "receive_signals")}),
    )
    inlines = [MembershipInline]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_kk", "kind", "region", "parent", "depth", "is_active"]
    list_filter = ["kind", "region", "is_active", "depth"]
    search_fields = ["code", "name_ru", "name_kk"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    readonly_fields = ["path", "depth", "created_at"]
    show_full_result_count = False
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        agency_save(agency=obj)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "created_at"]
    list_filter = ["role"]
    search_fields = [
        "user__username",
        "user__last_name",
        "agency__code",
        "agency__name_ru",
        "agency__name_kk",
    ]
    autocomplete_fields = ["user", "agency"]
    list_select_related = ["user", "agency"]
    show_full_result_count = False


class CategoryRouteInline(admin.TabularInline):
    model = CategoryRoute
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_kk", "parent", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["code", "name_ru", "name_kk"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    inlines = [CategoryRouteInline]


@admin.register(CategoryRoute)
class CategoryRouteAdmin(admin.ModelAdmin):
    list_display = ["category", "region", "agency"]
    list_filter = ["region", "category"]
    search_fields = ["category__name_ru", "agency__name_ru", "agency__code"]
    autocomplete_fields = ["category", "agency"]
    list_select_related = ["category", "agency"]
