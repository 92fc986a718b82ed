from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("housing-plans", api.HousingPlanViewSet, basename="housing-plan")
urlpatterns = router.urls
