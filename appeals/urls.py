from django.urls import path

from .dashboard import views as dashboard
from .views import canned, exports, matter, pickers, queue, register, reveals, workspace, workspace_actions

app_name = "appeals"

urlpatterns = [
    path("", queue.home, name="home"),
    # Queues
    path("appeals/", queue.appeal_list, name="list"),
    path("appeals/find/", queue.find_by_identifier, name="find"),
    path("appeals/bulk/", queue.bulk_action, name="bulk"),
    path("appeals/export.csv", exports.export_queue, {"fmt": "csv"}, name="export_csv"),
    path("appeals/export.xlsx", exports.export_queue, {"fmt": "xlsx"}, name="export_xlsx"),
    path("views/new/", queue.saved_view_create, name="saved_view_create"),
    path("views/<int:pk>/delete/", queue.saved_view_delete, name="saved_view_delete"),
    path("desk/agency/", queue.switch_agency, name="switch_agency"),
    # Registration
    path("appeals/new/", register.appeal_register, name="register"),
    path("appeals/new/check/", register.register_check, name="register_check"),
    path("appeals/new/suggest/", register.register_suggest, name="register_suggest"),
    # The workspace
    path("appeals/<int:pk>/", workspace.appeal_detail, name="detail"),
    path("appeals/<int:pk>/receipt/", workspace.appeal_receipt, name="receipt"),
    path("appeals/<int:pk>/reveal/", workspace.reveal_identifier, name="reveal"),
    path("appeals/<int:pk>/rating/", dashboard.appeal_rate, name="rate"),
    path("appeals/<int:pk>/attachments/", workspace.attachment_upload, name="attachment_upload"),
    path("appeals/<int:pk>/matter/", matter.matter_link, name="matter_link"),
    path(
        "appeals/<int:pk>/attachments/<int:attachment_pk>/",
        workspace.attachment_download,
        name="attachment_download",
    ),
    *[
        path(f"appeals/<int:pk>/{slug}/", workspace.appeal_action, {"slug": slug}, name=slug)
        for slug in workspace_actions.ACTIONS
    ],
    path("agencies/search/", pickers.agency_search, name="agency_search"),
    # The supervisors' dashboard (appeals/dashboard/)
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/league.csv", dashboard.league_export, {"fmt": "csv"}, name="dashboard_league_csv"),
    path("dashboard/league.xlsx", dashboard.league_export, {"fmt": "xlsx"}, name="dashboard_league_xlsx"),
    path("dashboard/league/print/", dashboard.league_print, name="dashboard_league_print"),
    # Reveals of personal data, reviewed by supervisors
    path("reveals/", reveals.reveal_log, name="reveal_log"),
    # Canned responses
    path("canned/", canned.canned_list, name="canned_list"),
    path("canned/new/", canned.canned_edit, name="canned_create"),
    path("canned/<int:pk>/", canned.canned_edit, name="canned_edit"),
]
