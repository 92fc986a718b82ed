from rest_framework.routers import DefaultRouter

from . import case_api, complaint_api, dashboard_api, discipline_api, measure_api, monitoring_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
for area in (measure_api, discipline_api, case_api, complaint_api, monitoring_api,
             dashboard_api):
    area.register(router)
urlpatterns = router.urls
