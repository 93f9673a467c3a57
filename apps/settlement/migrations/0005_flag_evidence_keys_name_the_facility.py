"""Flags of the two pair rules whose partner may be at another facility key their evidence by ``facility:number``.

With numbers unique per facility (0004), a number alone no longer names the paired settlement: two partners
with the same number at different facilities would share one evidence key and the second flag would be lost.
``supervision.rules`` now writes ``facility:number`` for INPATIENT_OVERLAP and SAME_DAY_CITIES; this rewrites
the keys of flags raised before, from the facility their evidence recorded, so a later full scan recognises
them (no flag raised twice, no dismissed flag raised again). Until 0004 numbers were national, so the old key
named exactly one settlement: the rewrite is exact. It lives here, with the change of numbers it follows."""
from django.db import migrations

RULES = ("INPATIENT_OVERLAP", "SAME_DAY_CITIES")


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    facility = "detail->>'other_facility'" if vendor == "postgresql" else "json_extract(detail, '$.other_facility')"
    schema_editor.execute(
        f"UPDATE supervision_flag SET evidence_key = {facility} || ':' || evidence_key "
        f"WHERE rule_id IN (%s, %s) AND evidence_key <> '' AND {facility} IS NOT NULL "
        f"AND evidence_key NOT LIKE {facility} || ':%%'",
        RULES)


def backwards(apps, schema_editor):
    schema_editor.execute(
        "UPDATE supervision_flag SET evidence_key = substr(evidence_key, 14) "
        "WHERE rule_id IN (%s, %s) AND substr(evidence_key, 13, 1) = ':'", RULES)


class Migration(migrations.Migration):

    dependencies = [
        ("settlement", "0004_number_unique_per_facility"),
        ("supervision", "0003_seed_rules_and_scan_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
