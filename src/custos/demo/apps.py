from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "custos.demo"
    label = "demo"
