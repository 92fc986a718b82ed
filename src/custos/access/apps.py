from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "custos.access"
    label = "access"
