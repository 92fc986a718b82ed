"""REST endpoints of one oversight area, registered under /api/v1/oversight/."""


def register(router) -> None:
    """Register viewsets, e.g. router.register("oversight/measures", MeasureViewSet,
    basename="oversight-measure")."""
