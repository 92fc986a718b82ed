"""Pages of one oversight area; oversight/urls.py joins every area's urlpatterns."""

urlpatterns: list = []
