"""A trigram index for the facility name search (admin and ``GET /api/v1/facilities/?q=``), on PostgreSQL only.

Both searches filter ``name__icontains``, which Django writes as ``UPPER(name::text) LIKE UPPER('%…%')`` on
PostgreSQL; a GIN index with ``gin_trgm_ops`` on exactly that expression serves it, so a search for three or
more characters reads the matching rows instead of the whole table (``bench/search_facilities.py`` prints the
plans). One- and two-character terms yield no trigram and still scan.

SQLite (the quick start) has no such index: there the migration does nothing. The index is built
``CONCURRENTLY`` (hence ``atomic = False``) so that migrating a live registry does not block writes."""
from django.db import migrations

INDEX = "facility_name_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON facilities_facility "
        f"USING gin ((UPPER(name::text)) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("facilities", "0003_seed_chronic_diseases"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
