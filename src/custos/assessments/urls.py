from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("assessments/", views.worklist, name="list"),
    path("assessments/<int:pk>/", views.assessment_detail, name="detail"),
    path("prisoners/<int:pk>/assessments/new/", views.assessment_new, name="new"),
]
