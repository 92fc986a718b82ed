from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "custos.core"
    label = "core"
