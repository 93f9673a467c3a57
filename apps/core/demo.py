"""The demo data set: shared context and the accounts; each area adds its part in ``apps/<area>/demo.py``."""
import datetime as dt
import importlib
import random
from dataclasses import dataclass, field

from django.utils import timezone

# Order matters: later areas use what earlier ones made.
DEMO_AREAS = ["facilities", "registration", "settlement", "coordination", "supervision"]
DEMO_PROVINCES = ["320000", "310000", "330000", "440000", "510000", "420000", "110000"]
DEMO_PASSWORD = "yidi-demo-2026"

# (username, organisation code, superuser?)
DEMO_ACCOUNTS = [
    ("admin", "000000", True),
    ("jiangsu", "320000", False),
    ("suzhou", "320500", False),
    ("gusu", "320508", False),
    ("shanghai", "310000", False),
    ("pudong", "310115", False),
    ("zhejiang", "330000", False),
    ("hangzhou", "330100", False),
    ("guangdong", "440000", False),
    ("sichuan", "510000", False),
    ("chengdu", "510100", False),
    ("hubei", "420000", False),
]


@dataclass
class DemoContext:
    stdout: object
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    today: dt.date = field(default_factory=lambda: timezone.localdate())
    provinces: list = field(default_factory=lambda: list(DEMO_PROVINCES))
    made: dict = field(default_factory=dict)  # what an area made, for the areas after it

    def say(self, line: str):
        self.stdout.write(line)


def seed(stdout) -> DemoContext:
    from apps.accounts.models import User
    from apps.accounts.services import create_account

    ctx = DemoContext(stdout=stdout)
    for username, code, superuser in DEMO_ACCOUNTS:
        if not User.objects.filter(username=username).exists():
            create_account(org_code=code, username=username, password=DEMO_PASSWORD, staff=True,
                           superuser=superuser)
    for area in DEMO_AREAS:
        try:
            module = importlib.import_module(f"apps.{area}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"apps.{area}.demo":
                raise
            continue
        module.seed(ctx)
    return ctx
