from rest_framework.routers import DefaultRouter

from . import api, calibration_api, classification_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("instruments", api.InstrumentViewSet, basename="instrument")
router.register("assessments", api.AssessmentViewSet, basename="assessment")
router.register("classifications", classification_api.ClassificationViewSet,
                basename="classification")
router.register("classification-reviews", classification_api.ClassificationReviewViewSet,
                basename="classification-review")
router.register("calibration", calibration_api.CalibrationViewSet, basename="calibration")
router.register("reliability", api.ReliabilityViewSet, basename="reliability")
urlpatterns = router.urls
