from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/verify/", views.verify, name="verify"),
    path("account/", views.account, name="account"),
    path("account/two-factor/enrol/", views.enrol, name="enrol"),
    path("account/users/", views.users, name="users"),
    path("account/users/new/", views.user_create, name="user_create"),
    path("account/users/<int:user>/", views.user_detail, name="user"),
    path("account/users/<int:user>/roles/add/", views.role_add, name="role_add"),
    path("account/users/<int:user>/roles/remove/", views.role_remove, name="role_remove"),
    path("account/users/<int:user>/active/", views.user_active, name="user_active"),
    path("account/users/<int:user>/two-factor/reset/", views.two_factor_reset,
         name="two_factor_reset"),
    path("account/users/<int:user>/unlock/", views.unlock, name="unlock"),
]
