"""Audit entries never hold a full ID number (older ones may: a typed reason could quote one), and the
auditors' group (审计员: ``core.view_auditentry``) exists from the start for superusers to assign."""
import re

from django.db import migrations

_ID_TOKEN = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")


def mask_ids(text):
    from apps.core import idnumbers

    if not isinstance(text, str):
        return text
    return _ID_TOKEN.sub(lambda m: idnumbers.mask(m.group(1)) if idnumbers.is_valid(m.group(1)) else m.group(1),
                         text)


def _clean(value):
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return mask_ids(value)


def forwards(apps, schema_editor):
    AuditEntry = apps.get_model("core", "AuditEntry")
    for entry in AuditEntry.objects.only("pk", "summary", "object_id", "data").iterator(chunk_size=2000):
        summary, object_id = mask_ids(entry.summary), mask_ids(entry.object_id)
        data = _clean(entry.data) if isinstance(entry.data, dict) else entry.data
        if (summary, object_id, data) != (entry.summary, entry.object_id, entry.data):
            AuditEntry.objects.filter(pk=entry.pk).update(summary=summary, object_id=object_id, data=data)

    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="core", model="auditentry")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="view_auditentry", defaults={"name": "Can view 审计记录"})
    group, _ = Group.objects.get_or_create(name="审计员")
    group.permissions.add(permission)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
