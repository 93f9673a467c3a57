"""Point 3: masked ID numbers cannot be recovered through admin URL filters. Every admin on the site accepts only
the lookups it offers (list filters, date hierarchy); searching by ID or phone number is exact only."""
import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.urls import reverse

from apps.core.admin_guard import SENSITIVE_FIELDS, GuardedAdminMixin
from apps.core.admin_site import YidiAdminSite
from apps.core.models import AuditEntry
from apps.registration.models import InsuredPerson
from tests.factories import UserFactory
from tests.registration.factories import InsuredPersonFactory, RegistrationFactory
from tests.settlement.factories import SettlementFactory

pytestmark = pytest.mark.django_db

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower)
PERSONS = "/admin/registration/insuredperson/"
REGISTRATIONS = "/admin/registration/registration/"
SETTLEMENTS = "/admin/settlement/settlement/"


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(org="000000", is_staff=True, is_superuser=True))
    return client


def probe_field(model) -> str:
    """A local, non-relational field of ``model``: Django alone lets ``?<it>__startswith=`` through."""
    for field in model._meta.concrete_fields:
        if not field.is_relation and isinstance(field, (models.CharField, models.TextField)):
            return field.name
    return model._meta.pk.name


def test_every_registered_admin_carries_the_kernel_guard():
    assert REGISTRY
    for model, model_admin in REGISTRY:
        assert isinstance(model_admin, GuardedAdminMixin), model
        assert type(model_admin).lookup_allowed is GuardedAdminMixin.lookup_allowed, model


def test_the_site_wraps_an_admin_without_the_guard_and_refuses_one_that_overrides_it():
    site = YidiAdminSite(name="probe")

    class Plain(admin.ModelAdmin):
        pass

    site.register(InsuredPerson, Plain)
    assert isinstance(site._registry[InsuredPerson], GuardedAdminMixin)

    class Loose(GuardedAdminMixin, admin.ModelAdmin):
        def lookup_allowed(self, lookup, value, request=None):
            return True

    with pytest.raises(ImproperlyConfigured, match="extra_lookups"):
        YidiAdminSite(name="probe2").register(InsuredPerson, Loose)


@pytest.mark.parametrize("model,model_admin", REGISTRY, ids=[m._meta.label_lower for m, _ in REGISTRY])
def test_every_admin_refuses_a_lookup_it_does_not_offer(superuser_client, model, model_admin):
    url = changelist(model)
    before = AuditEntry.objects.count()
    for params in ({f"{probe_field(model)}__startswith": "x"}, {"person__id_number__regex": "."},
                   {"id_number__regex": "."}, {"pk__gte": "0"}):
        response = superuser_client.get(url, params)
        assert response.status_code == 400, (model, params, response.status_code)
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("model,model_admin", REGISTRY, ids=[m._meta.label_lower for m, _ in REGISTRY])
def test_every_filter_choice_an_admin_offers_still_works(superuser_client, model, model_admin):
    response = superuser_client.get(changelist(model), follow=True)
    assert response.status_code == 200
    cl = response.context["cl"]
    for spec in cl.filter_specs:
        choices = [c for c in spec.choices(cl) if c.get("query_string") and not c.get("selected")][:3]
        for choice in choices:
            answer = superuser_client.get(changelist(model) + choice["query_string"])
            assert answer.status_code == 200, (model, spec.title, choice["query_string"], answer.status_code)


def test_a_persons_id_number_cannot_be_guessed_character_by_character(admin_client_for):
    person = InsuredPersonFactory(insured="320508", phone="13912345678")
    client = admin_client_for("320508")
    assert client.get(PERSONS).context["cl"].result_count == 1  # the person is in scope
    right, wrong = person.id_number[:7], "9" * 7
    answers = []
    for prefix in (right, wrong):
        for params in ({"id_number__startswith": prefix}, {"id_number__regex": f"^{prefix}"},
                       {"id_number__contains": prefix}, {"id_number__gte": prefix}):
            answers.append(client.get(PERSONS, params).status_code)
    answers.append(client.get(PERSONS, {"phone__startswith": "139"}).status_code)
    answers.append(client.get(PERSONS, {"phone__startswith": "000"}).status_code)
    assert set(answers) == {400}  # the same refusal for a right and a wrong guess: nothing to learn
    assert InsuredPerson.objects.get(pk=person.pk).id_number == person.id_number


def test_settlements_and_registrations_refuse_id_number_filters_too(admin_client_for):
    settlement = SettlementFactory()  # treated at a 姑苏区 hospital
    registration = RegistrationFactory(person__insured="320508", destination="330100")
    client = admin_client_for("320508")
    for url, params in [
        (SETTLEMENTS, {"id_number__startswith": settlement.id_number[:6]}),
        (SETTLEMENTS, {"name__startswith": settlement.name[:2]}),
        (REGISTRATIONS, {"person__id_number__startswith": registration.person.id_number[:6]}),
        (REGISTRATIONS, {"person__phone__startswith": "138"}),
        (REGISTRATIONS, {"reference__startswith": "BA"}),
    ]:
        assert client.get(url, params).status_code == 400, (url, params)


def test_an_export_refuses_the_same_lookups(admin_client_for):
    registration = RegistrationFactory(person__insured="320508", destination="330100")
    client = admin_client_for("320508")
    before = AuditEntry.objects.count()
    form = {"format": "0", "resource": "0", "registrationexportresource_reference": "on"}
    for query in (f"person__id_number__startswith={registration.person.id_number[:6]}", "reference__startswith=BA",
                  "status_reason__regex=."):
        assert client.post(f"{REGISTRATIONS}export/?{query}", form).status_code == 400, query
    assert AuditEntry.objects.count() == before  # no export happened, none recorded


def test_the_offered_filters_still_filter(admin_client_for):
    submitted = RegistrationFactory(person__insured="320508", destination="330100", status="submitted")
    approved = RegistrationFactory(person__insured="320508", destination="330100", status="approved")
    client = admin_client_for("320508")

    def listed(params):
        response = client.get(REGISTRATIONS, params)
        assert response.status_code == 200
        return {r.reference for r in response.context["cl"].result_list}

    assert listed({}) == {submitted.reference, approved.reference}
    assert listed({"status__exact": "submitted"}) == {submitted.reference}
    assert listed({"status": "approved"}) == {approved.reference}  # the bare field of a list filter: exact
    assert listed({"destination_province": "330000"}) == {submitted.reference, approved.reference}
    assert listed({"destination_province": "310000"}) == set()
    female = InsuredPersonFactory(insured="320508", sex="F")
    persons = client.get(PERSONS, {"sex__exact": "F"})
    assert [p.pk for p in persons.context["cl"].result_list] == [female.pk]


def test_the_audit_list_offers_its_date_hierarchy(superuser_client):
    AuditEntry.objects.create(action="probe", object_type="x", object_id="1")
    response = superuser_client.get("/admin/core/auditentry/", {"at__year": "2020"})
    assert response.status_code == 200 and response.context["cl"].result_count == 0
    assert superuser_client.get("/admin/core/auditentry/", {"summary__startswith": "x"}).status_code == 400


def test_searching_by_id_or_phone_number_is_exact_only(admin_client_for):
    person = InsuredPersonFactory(insured="320508")
    registration = RegistrationFactory(person=person, destination="330100")
    settlement = SettlementFactory(id_number=person.id_number)
    client = admin_client_for("320508")
    for url in (PERSONS, REGISTRATIONS, SETTLEMENTS):
        for partial in (person.id_number[:17], person.id_number[:6], person.id_number[-6:]):
            assert client.get(url, {"q": partial}).context["cl"].result_count == 0, (url, partial)
        assert client.get(url, {"q": person.id_number}).context["cl"].result_count == 1, url
    assert registration.pk and settlement.pk


def test_no_admin_searches_an_id_or_phone_number_by_part(rf):
    request = rf.get("/")
    request.user = UserFactory(org="000000", is_staff=True, is_superuser=True)
    for model, model_admin in REGISTRY:
        for field in model_admin.get_search_fields(request):
            if field.lstrip("^=@").split("__")[-1] in SENSITIVE_FIELDS:
                assert field.startswith("="), (model, field)


def test_the_guard_makes_a_partial_phone_search_field_exact(rf):
    class PhoneSearch(admin.ModelAdmin):
        search_fields = ("name", "phone", "^id_number", "person__phone")

    site = YidiAdminSite(name="probe3")
    site.register(InsuredPerson, PhoneSearch)
    request = rf.get("/")
    assert site._registry[InsuredPerson].get_search_fields(request) == (
        "name", "=phone", "=id_number", "=person__phone")


def test_an_admin_names_an_extra_lookup_it_really_offers(rf):
    class Offers(admin.ModelAdmin):
        list_filter = ("sex", ("birth_date", admin.DateFieldListFilter))
        extra_lookups = ("name__startswith",)

    site = YidiAdminSite(name="probe4")
    site.register(InsuredPerson, Offers)
    model_admin = site._registry[InsuredPerson]
    request = rf.get("/")
    request.user = UserFactory(org="000000", is_staff=True, is_superuser=True)
    for lookup in ("name__startswith", "sex", "sex__exact", "sex__isnull", "birth_date__gte", "birth_date__lt"):
        assert model_admin.lookup_allowed(lookup, "x", request), lookup
    for lookup in ("id_number__startswith", "id_number", "phone__exact", "birth_date__year", "name"):
        assert not model_admin.lookup_allowed(lookup, "x", request), lookup


def test_the_raw_id_and_autocomplete_pop_ups_still_open(admin_client_for):
    client = admin_client_for("320500")  # the policy page picks its pooling area in this pop-up
    response = client.get("/admin/regions/region/", {"_to_field": "code", "_popup": "1", "q": "苏州"})
    assert response.status_code == 200 and response.context["cl"].result_count >= 1
    client.force_login(UserFactory(org="000000", is_staff=True, is_superuser=True))  # the account page's picker
    response = client.get("/admin/autocomplete/", {"app_label": "accounts", "model_name": "user",
                                                   "field_name": "organisation", "term": "姑苏"})
    assert response.status_code == 200 and response.json()["results"]
