"""Shared set-up of the benchmark scripts: a PostgreSQL database of their own, migrated, with the real regions.

The server is the one DATABASE_URL names (default postgres://postgres@127.0.0.1:5432); the database name
is the script's own, so a benchmark never touches the development or test data."""
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def database_url(name: str) -> str:
    """The URL of database ``name`` on the benchmark server, created if missing."""
    import psycopg

    parts = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    if not parts.scheme.startswith("postgres"):
        sys.exit(f"{Path(sys.argv[0]).name} needs a PostgreSQL DATABASE_URL")
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def setup_django(name: str, **env: str) -> None:
    """Point Django at database ``name`` (plus any extra settings in ``env``), migrate it and load regions."""
    os.environ["DATABASE_URL"] = database_url(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "true")  # the settings default to production (SECRET_KEY required)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from apps.regions.models import Region
    from apps.regions.services import load_regions

    if not Region.objects.filter(level="county").exists():
        load_regions()
