"""Seed each ticket category's time limit (DOMAIN.md defaults) and auto-escalation; editable in the admin."""
from django.db import migrations

DEFAULTS = {
    "settlement_failure": 1,
    "refund": 3,
    "registration": 3,
    "cost_review": 10,
    "policy": 5,
    "system_fault": 5,
    "other": 5,
}


def seed(apps, schema_editor):
    CategorySetting = apps.get_model("coordination", "CategorySetting")
    for category, days in DEFAULTS.items():
        CategorySetting.objects.get_or_create(category=category,
                                              defaults={"time_limit_days": days, "auto_escalate": True})


class Migration(migrations.Migration):

    dependencies = [
        ("coordination", "0002_categorysetting_ticketattachment_ticketholding_and_more"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
