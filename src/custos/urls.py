from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from custos.accounts.views import CustosLoginView

urlpatterns = [
    path("", include("custos.custody.urls")),
    path("", include("custos.access.urls")),
    path("", include("custos.assessments.urls")),
    path("", include("custos.housing.urls")),
    path("", include("custos.intelligence.urls")),
    path("", include("custos.oversight.urls")),
    path("audit/", include("custos.audit.urls")),
    path("login/", CustosLoginView.as_view(), name="login"),
    path("", include("custos.accounts.urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", include("custos.custody.api_urls")),
    path("api/v1/", include("custos.assessments.api_urls")),
    path("api/v1/", include("custos.housing.api_urls")),
    path("api/v1/", include("custos.intelligence.api_urls")),
    path("api/v1/", include("custos.oversight.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The page and its start-up script are two responses: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema",
                                                         template_name="api_docs.html"),
         name="api-docs"),
]
