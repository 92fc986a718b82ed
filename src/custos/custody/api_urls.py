from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("facilities", api.FacilityViewSet, basename="facility")
router.register("units", api.UnitViewSet, basename="unit")
router.register("cells", api.CellViewSet, basename="cell")
router.register("prisoners", api.PrisonerViewSet, basename="prisoner")
router.register("placements", api.PlacementViewSet, basename="placement")
router.register("keep-aparts", api.KeepApartViewSet, basename="keep-apart")
urlpatterns = router.urls
