from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "apps.events"
    verbose_name = "消息与任务"
    default_auto_field = "django.db.models.BigAutoField"
