from django.urls import path

from . import (
    calibration_views,
    certification_views,
    classification_views,
    reliability_views,
    views,
)

app_name = "assessments"
urlpatterns = [
    path("assessments/", views.worklist, name="list"),
    path("assessments/reliability/", reliability_views.reliability_page, name="reliability"),
    path("assessments/certifications/", certification_views.certifications,
         name="certifications"),
    path("assessments/calibration/", calibration_views.exercise_list, name="calibration"),
    path("assessments/calibration/<int:pk>/", calibration_views.exercise_page,
         name="calibration_exercise"),
    path("assessments/<int:pk>/", views.assessment_detail, name="detail"),
    path("prisoners/<int:pk>/assessments/new/", views.assessment_new, name="new"),
    path("prisoners/<int:pk>/classification/", classification_views.prisoner_classification,
         name="prisoner_classification"),
    path("facilities/<str:code>/assessments-due/", classification_views.facility_due,
         name="due"),
]
