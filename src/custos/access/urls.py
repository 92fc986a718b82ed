from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("", views.home, name="home"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("prisoners/<int:pk>/allocate/", views.allocate, name="allocate"),
    path("allocations/<int:pk>/end/", views.allocation_end, name="allocation_end"),
]
