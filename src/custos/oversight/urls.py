from . import (
    case_views,
    complaint_views,
    dashboard_views,
    discipline_views,
    measure_views,
    monitoring_views,
)

app_name = "oversight"
urlpatterns = [*dashboard_views.urlpatterns, *measure_views.urlpatterns,
               *discipline_views.urlpatterns, *case_views.urlpatterns,
               *complaint_views.urlpatterns, *monitoring_views.urlpatterns]
