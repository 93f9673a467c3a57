from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    name = "apps.registration"
    label = "registration"
    verbose_name = "异地就医备案"
