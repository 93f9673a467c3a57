"""The start-page panel counts work waiting in scope; the demo data holds every category and status."""
import datetime as dt
import io

import pytest
from django.utils import timezone

from apps.core.demo import DemoContext
from apps.registration import demo
from apps.registration.models import Category, Registration, Status
from tests.registration.factories import RegistrationFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def test_the_start_page_counts_registrations_awaiting_review_as_insured_side(admin_client_for):
    plain = RegistrationFactory(person__insured="320508", destination="330100", status="submitted")
    owing = RegistrationFactory(person__insured="320508", destination="330100", status="submitted",
                                documents_owed="居住证明", documents_due=TODAY - dt.timedelta(days=3))
    elsewhere = RegistrationFactory(person__insured="320505", destination="330100", status="submitted")
    response = admin_client_for("320508").get("/admin/")
    panel = next(p for p in response.context["panels"] if p["title"] == "异地就医备案")
    items = {i["label"]: i for i in panel["items"]}
    assert items["待审核（本机构为参保地）"]["value"] == "2"
    assert items["补交材料已逾期"]["value"] == "1"
    listing = admin_client_for("320508").get(items["待审核（本机构为参保地）"]["url"]).content.decode()
    assert plain.reference in listing and owing.reference in listing
    assert elsewhere.reference not in listing


def test_the_demo_seeds_every_category_and_every_status():
    ctx = DemoContext(stdout=io.StringIO())
    demo.seed(ctx)
    made = ctx.made["registrations"]
    assert {r.category for r in made} == set(Category.values)
    assert {r.status for r in made} == set(Status.values)
    assert Registration.objects.count() == len(made)
    assert all(r.events.exists() for r in made)
