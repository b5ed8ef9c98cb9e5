from django.urls import path

from . import views

app_name = "appeals"

urlpatterns = [
    path("", views.home, name="home"),
    path("appeals/<int:pk>/", views.appeal_detail, name="detail"),
]
