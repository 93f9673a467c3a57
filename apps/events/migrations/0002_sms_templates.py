"""The SMS templates as data (DOMAIN.md: the person is told when a registration is decided, 30 days before it
expires and before owed documents fall due). National staff change them in the admin."""
from django.db import migrations

TEMPLATES = {
    "registration.approved": "【医保异地就医】{name}您好，您的异地就医备案（编号{reference}）已通过，就医地{destination}，"
                             "有效期{valid_from}至{valid_until}。",
    "registration.rejected": "【医保异地就医】{name}您好，您的异地就医备案（编号{reference}）未通过：{status_reason}。"
                             "可在备案查询页面查看原因后重新申请。",
    "registration.expiring": "【医保异地就医】{name}您好，您的异地就医备案（编号{reference}）将于{valid_until}到期；"
                             "如需继续在{destination}就医，请及时重新备案。",
    "registration.documents_due": "【医保异地就医】{name}您好，您的异地就医备案（编号{reference}）须于{documents_due}前"
                                  "补交材料：{documents_owed}。逾期未补交将限制承诺制备案。",
}


def seed(apps, schema_editor):
    SmsTemplate = apps.get_model("events", "SmsTemplate")
    for event, text in TEMPLATES.items():
        SmsTemplate.objects.get_or_create(event=event, defaults={"text": text, "active": True})


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
