from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.trail_list, name="list"),
    path("export.csv", views.trail_export, name="export"),
    path("verify/", views.trail_verify, name="verify"),
]
