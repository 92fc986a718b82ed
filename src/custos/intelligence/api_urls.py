from rest_framework.routers import DefaultRouter

from . import api, network_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
for prefix, viewset, basename in (
        ("reports", api.ReportViewSet, "intelligence-report"),
        ("observations", api.ObservationViewSet, "intelligence-observation"),
        ("disseminations", api.DisseminationViewSet, "intelligence-dissemination"),
        ("sources", api.SourceViewSet, "intelligence-source"),
        ("compartments", api.CompartmentViewSet, "intelligence-compartment"),
        ("people", api.PersonViewSet, "intelligence-person"),
        ("communications", api.CommunicationViewSet, "intelligence-communication"),
        ("alert-rules", api.AlertRuleViewSet, "intelligence-alert-rule"),
        ("alerts", api.AlertViewSet, "intelligence-alert"),
        ("merge-proposals", api.MergeProposalViewSet, "intelligence-merge-proposal")):
    router.register(f"intelligence/{prefix}", viewset, basename=basename)
router.register("intelligence/network", network_api.NetworkViewSet,
                basename="intelligence-network")
urlpatterns = router.urls
