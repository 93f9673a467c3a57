"""A PostgreSQL sequence for reference numbers: nextval() takes no row lock, so concurrent submissions never
queue behind one counter row. SQLite (the quick start) keeps using the ReferenceSequence table."""
from django.db import migrations

SEQUENCE = "registration_reference_seq"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("registration", "0002_indexes_and_reference_sequence")]
    operations = [migrations.RunPython(create, drop)]
