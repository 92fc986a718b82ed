from django.urls import path

from . import views

app_name = "housing"
urlpatterns = [
    path("housing/", views.plan_list, name="list"),
    path("housing/plans/<int:pk>/", views.plan_detail, name="plan"),
    path("housing/plans/<int:pk>/progress/", views.plan_progress, name="progress"),
    path("housing/plans/<int:pk>/assignments/", views.plan_assignments, name="assignments"),
    path("housing/plans/<int:pk>/cancel/", views.plan_cancel, name="cancel"),
    path("housing/plans/<int:pk>/approve/", views.plan_approve, name="approve"),
    path("housing/plans/<int:pk>/reject/", views.plan_reject, name="reject"),
]
