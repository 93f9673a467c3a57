from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "apps.coordination"
    label = "coordination"
    verbose_name = "业务协同"
