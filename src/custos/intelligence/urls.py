from django.urls import path

from . import import_views, network_views, views

app_name = "intelligence"
urlpatterns = [
    path("intelligence/", views.home, name="home"),
    path("intelligence/reports/new/", views.report_new, name="report_new"),
    path("intelligence/reports/<int:pk>/", views.report_detail, name="report"),
    path("intelligence/reports/<int:pk>/disseminate/", views.report_disseminate,
         name="disseminate"),
    path("intelligence/observe/", views.observe, name="observe"),
    path("intelligence/disseminated/", views.disseminated, name="disseminated"),
    path("intelligence/disseminated/<int:pk>/", views.dissemination_detail,
         name="dissemination"),
    path("intelligence/sources/", views.sources, name="sources"),
    path("intelligence/sources/<int:pk>/", views.source_detail, name="source"),
    path("intelligence/compartments/", views.compartments, name="compartments"),
    path("intelligence/compartments/<int:pk>/", views.compartment_detail, name="compartment"),
    path("intelligence/people/", views.people, name="people"),
    path("intelligence/people/<int:pk>/", views.person_detail, name="person"),
    path("intelligence/alerts/", views.alert_list, name="alerts"),
    path("intelligence/alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("intelligence/network/", network_views.network_page, name="network"),
    path("intelligence/imports/", import_views.imports, name="imports"),
    path("intelligence/imports/<int:pk>/", import_views.import_detail, name="import"),
]
