from django.urls import path

from . import views

app_name = "custody"
urlpatterns = [
    path("facilities/", views.dashboard, name="dashboard"),
    path("facilities/<str:code>/", views.facility_detail, name="facility"),
    path("prisoners/", views.prisoner_search, name="search"),
    path("prisoners/admit/", views.prisoner_admit, name="admit"),
    path("prisoners/export/", views.prisoner_export, name="export"),
    path("prisoners/<int:pk>/", views.prisoner_detail, name="prisoner"),
    path("prisoners/<int:pk>/edit/", views.prisoner_edit, name="edit"),
    path("prisoners/<int:pk>/names/add/", views.prisoner_name_add, name="name_add"),
    path("prisoners/<int:pk>/place/", views.prisoner_place, name="place"),
    path("prisoners/<int:pk>/keep-apart/", views.keep_apart_create, name="keep_apart"),
    path("prisoners/<int:pk>/release/", views.prisoner_release, name="release"),
    path("keep-aparts/<int:pk>/close/", views.keep_apart_close, name="keep_apart_close"),
]
