from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    default = True
    name = "apps.core"
    label = "core"
    verbose_name = "公共"


class YidiAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "apps.core.admin_site.YidiAdminSite"
