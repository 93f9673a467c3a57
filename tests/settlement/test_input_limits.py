"""Hostile values in a reported settlement: each makes its own settlement (or bulk item) invalid, with a message
under the field at fault, and never reaches the database — so one bad item cannot sink a bulk of 1,000."""
import datetime as dt
import json

import pytest
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.settlement.models import Settlement, SettlementItem
from tests.settlement.factories import settlement_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/settlements/"
BULK = "/api/v1/settlements/bulk/"
ITEM = {"code": "XA01", "name": "氨氯地平片", "category": "drug", "quantity": "2", "unit_price": "12.5000",
        "amount": "25.00", "days_supply": 30}


def with_item(**fields):
    return {"items": [{**ITEM, **fields}]}


# (name, the fields that poison a valid settlement, the field its error is reported under)
POISONS = [
    ("NUL in a name", {"name": "张\x00三"}, "name"),
    ("lone surrogate in a name", {"name": "张\ud800"}, "name"),
    ("control character in a disease code", {"visit_type": "chronic", "disease_code": "M0390\x01"}, "disease_code"),
    ("NUL in a facility code", {"facility": "H3205\x0008001"}, "facility"),
    ("year 1 admission", {"service_start": "0001-01-01"}, "service_start"),
    ("year 9999 discharge", {"service_end": "9999-12-31"}, "service_end"),
    ("admission years ahead", {"service_start": "2099-03-10", "service_end": "2099-03-10"}, "service_start"),
    ("year 1 settlement time", {"settled_at": "0001-01-01T00:00:00+14:00"}, "settled_at"),
    ("year 9999 settlement time", {"settled_at": "9999-12-31T23:59:59-12:00"}, "settled_at"),
    ("full-width digits in a date", {"service_start": "２０２６-03-10"}, "service_start"),
    ("-0.00 amount", {"account_paid": "-0.00"}, "account_paid"),
    ("full-width digits in an amount", {"fund_paid": "６０.00"}, "fund_paid"),
    ("exponent in an amount", {"cash_paid": "3E1"}, "cash_paid"),
    ("NaN amount", {"eligible_amount": "NaN"}, "eligible_amount"),
    ("slash in a number", {"number": "JS/2026/1"}, "number"),
    ("non-ASCII number", {"number": "结算０１"}, "number"),
    ("NUL in a number", {"number": "JS\x00X"}, "number"),
    ("lone surrogate in a number", {"number": "JS\udfff"}, "number"),
    ("full-width ID number", {"id_number": "３１０１１５１９６００５１７００１Ｘ"}, "id_number"),
    ("full-width region code", {"insured_region": "３１０１１５"}, "insured_region"),
    ("visit type an object", {"visit_type": {"$ne": "x"}}, "visit_type"),
    ("NUL in an item code", with_item(code="X\x00A"), "items"),
    ("lone surrogate in an item name", with_item(name="\ud800药"), "items"),
    ("-0.00 item amount", with_item(amount="-0.00"), "items"),
    ("full-width item quantity", with_item(quantity="２"), "items"),
    ("item days supply beyond an int", with_item(days_supply=10 ** 12), "items"),
    ("item category a list", with_item(category=["drug"]), "items"),
]


def post_raw(client, url, body, **extra):
    """As a partner sends it: JSON with \\u escapes (lone surrogates and NUL survive the trip)."""
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def test_a_thousand_item_bulk_with_one_poisoned_item_per_kind_stores_every_other_item(hospital_api, hospital):
    items = [settlement_payload(facility=hospital.code) for _ in range(1000)]
    poisoned_at = {}
    for k, (name, fields, field) in enumerate(POISONS):
        position = 17 + k * 37  # spread through the batch
        items[position] = {**items[position], **fields}
        poisoned_at[position] = (name, field)

    response = post_raw(hospital_api, BULK, {"settlements": items})

    assert response.status_code == 200
    body = response.json()
    assert body["invalid"] == len(POISONS) and body["created"] == 1000 - len(POISONS)
    for position, result in enumerate(body["results"]):
        if position in poisoned_at:
            name, field = poisoned_at[position]
            assert result["outcome"] == "invalid", name
            assert field in result["errors"] and result["errors"][field][0], (name, result)
        else:
            assert result == {"number": items[position]["number"], "outcome": "created"}
    good = {items[p]["number"] for p in range(1000) if p not in poisoned_at}
    assert set(Settlement.objects.values_list("number", flat=True)) == good
    assert not SettlementItem.objects.exists()  # only poisoned settlements carried items


def test_an_invalid_number_is_not_echoed_back(hospital_api, hospital):
    """The results stay in order; a number that is itself invalid (a lone surrogate could not even be written
    out as UTF-8) answers as an empty string."""
    items = [settlement_payload(facility=hospital.code, number="JS\udfff"), settlement_payload(facility=hospital.code)]
    body = post_raw(hospital_api, BULK, {"settlements": items}).json()
    assert [r["number"] for r in body["results"]] == ["", items[1]["number"]]
    assert "number" in body["results"][0]["errors"]


@pytest.mark.parametrize("name, fields, field", POISONS, ids=[p[0] for p in POISONS])
def test_the_same_poison_on_the_single_endpoint_is_a_400_and_stores_nothing(hospital_api, hospital, name, fields,
                                                                          field):
    audit_before = AuditEntry.objects.count()
    response = post_raw(hospital_api, URL, settlement_payload(**{"facility": hospital.code, **fields}))
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Settlement.objects.exists() and not SettlementItem.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_year_one_and_year_9999_dates_are_refused_naming_the_window(hospital_api, hospital):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = post_raw(hospital_api, URL, settlement_payload(
        facility=hospital.code, service_start="0001-01-01", service_end="9999-12-31",
        settled_at="0001-01-01T10:00:00+08:00"))
    assert response.status_code == 400
    window = f"日期应在 1900-01-01 至 {tomorrow:%Y-%m-%d} 之间。"
    assert response.json()["service_start"] == [window]
    assert response.json()["service_end"] == [window]
    assert response.json()["settled_at"] == [window]
    english = post_raw(hospital_api, URL, settlement_payload(facility=hospital.code, service_start="0001-01-01"),
                       HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["service_start"] == [f"The date must lie between 1900-01-01 and {tomorrow:%Y-%m-%d}."]
    assert not Settlement.objects.exists()


def test_a_visit_settled_today_is_accepted(hospital_api, hospital):
    """The window's upper end is a guard against typos, not against today's work."""
    today = timezone.localdate()
    response = post_raw(hospital_api, URL, settlement_payload(
        facility=hospital.code, service_start=f"{today:%Y-%m-%d}", service_end=f"{today:%Y-%m-%d}",
        settled_at=timezone.localtime().isoformat()))
    assert response.status_code == 201, response.json()


def test_the_number_character_set_is_explained_in_english_on_request(hospital_api, hospital):
    response = post_raw(hospital_api, URL, settlement_payload(facility=hospital.code, number="JS/1"),
                        HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["number"] == [(
        'A settlement number consists of 1 to 64 ASCII letters, digits, underscores, dots and hyphens; no "/" or '
        "spaces.")]
    chinese = post_raw(hospital_api, URL, settlement_payload(facility=hospital.code, number="JS/1"))
    assert "“/”" in chinese.json()["number"][0]


def test_a_minus_zero_amount_is_explained(hospital_api, hospital):
    response = post_raw(hospital_api, URL, settlement_payload(facility=hospital.code, account_paid="-0.00"),
                        HTTP_ACCEPT_LANGUAGE="en")
    assert "no full-width digits, exponents, NaN or -0" in response.json()["account_paid"][0]


def test_numbers_of_the_documented_character_set_are_accepted(hospital_api, hospital):
    number = "Ab09_.-" + "x" * 57  # every kind of character allowed, 64 long
    response = post_raw(hospital_api, URL, settlement_payload(facility=hospital.code, number=number))
    assert response.status_code == 201
    assert Settlement.objects.get().number == number
