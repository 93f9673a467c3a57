"""Client input that used to answer 500: tampered cursors, JSON nested 100,000 levels deep, malformed JSON,
bodies larger than the server takes. Each answers 4xx with a message (Chinese, English on request) and
changes nothing."""
import base64
import datetime as dt
import json
import re

import pytest
from django.test import override_settings

from apps.core.api.parsers import MAX_DEPTH, JSONParser, max_body_bytes
from apps.registration.models import Registration
from apps.settlement.models import Settlement
from tests.registration.factories import RegistrationFactory
from tests.settlement.factories import SettlementFactory
from tests.supervision.factories import FlagFactory

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


TAMPERED = [
    "garbage!!",                      # not base64
    "%E4%B8%AD",                      # not ASCII
    cursor("p=garbage"),              # a position that is not a value of the ordering field
    cursor("p=99999999999999999999999"),  # out of the column's range
    cursor("p=1%00"),                 # a NUL byte
    cursor("o=-5"),                   # a negative offset
    cursor("r=x&p=1"),
]


@pytest.mark.parametrize("url", ["/api/v1/settlements/", "/api/v1/flags/", "/api/v1/registrations/"])
@pytest.mark.parametrize("tampered", TAMPERED)
def test_a_tampered_cursor_is_404_with_a_message_not_500(api_for, url, tampered):
    SettlementFactory()
    api = api_for("000000")
    response = api.get(url, {"cursor": tampered})
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "分页游标无效，请从第一页重新开始。"}
    english = api.get(url, {"cursor": tampered}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"detail": "Invalid cursor: start again from the first page."}


def test_a_settlement_cursor_with_a_bad_timestamp_is_404(api_for):
    response = api_for("000000").get("/api/v1/settlements/", {"cursor": cursor("p=2026-13-45 99:00:00")})
    assert response.status_code == 404


@pytest.mark.parametrize("url,make", [
    ("/api/v1/settlements/", lambda i: SettlementFactory(
        settled_at=dt.datetime(2026, 3, 10 + i, 2, tzinfo=dt.UTC))),
    ("/api/v1/flags/", lambda i: FlagFactory()),
    ("/api/v1/registrations/", lambda i: RegistrationFactory()),
])
def test_genuine_cursors_still_walk_every_page(api_for, url, make):
    made = [make(i) for i in range(3)]
    api = api_for("000000")
    page = api.get(url, {"page_size": 1}).json()
    seen = len(page["results"])
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += len(page["results"])
    assert seen == len(made)


def test_json_nested_100000_levels_is_400_and_nothing_is_saved(api_for):
    api = api_for("320508")
    body = "[" * 100_000 + "]" * 100_000
    response = api.post("/api/v1/registrations/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": f"JSON 嵌套过深：不得超过 {MAX_DEPTH} 层。"}
    assert not Registration.objects.exists()


def test_json_deeper_than_the_limit_is_400_even_where_python_could_parse_it(api_for):
    body = '{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1)
    response = api_for("320508").post("/api/v1/settlements/bulk/", body, content_type="application/json",
                                      HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"detail": f"The JSON is nested too deeply: at most {MAX_DEPTH} levels are accepted."}
    assert not Settlement.objects.exists()


@pytest.mark.parametrize("body", ['{"name": "张三",', "{'single': 'quotes'}", '{"a": NaN}', "\ufeff{", "[1,]"])
def test_malformed_json_is_400_with_a_chinese_message(api_for, body):
    response = api_for("320508").post("/api/v1/registrations/", body.encode(), content_type="application/json")
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("请求体不是有效的 JSON")
    assert not Registration.objects.exists()


def test_malformed_json_in_english_on_request(api_for):
    response = api_for("320508").post("/api/v1/registrations/", b'{"a": }', content_type="application/json",
                                      HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON (near line 1, column 7)."}


def test_a_body_that_is_not_utf8_is_400(api_for):
    response = api_for("320508").post("/api/v1/registrations/", '{"name": "张三"}'.encode("gb18030"),
                                      content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体不是有效的 UTF-8 文本。"}


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_limit_is_413_and_nothing_is_saved(api_for):
    body = json.dumps({"settlements": [{"number": "X" * 50}] * 30})
    response = api_for("320508").post("/api/v1/settlements/bulk/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "请求体过大：不得超过 1000 字节。"}
    assert not Settlement.objects.exists()


def test_a_full_1000_item_settlement_bulk_fits_the_limit_and_parses():
    """The largest legitimate body: 1,000 settlements, each with 50 priced items and long names."""
    item = {"code": "X" * 40, "name": "某某药品名称" * 10, "category": "drug", "quantity": "9999.999",
            "unit_price": "99999999.99", "amount": "99999999.99", "days_supply": 90}
    settlement = {"number": "JS" + "9" * 38, "id_number": "110101199003074514", "name": "欧阳某某某" * 4,
                  "insured_region": "310115", "facility": "H32050800012", "visit_type": "chronic",
                  "disease_code": "M03900", "service_start": "2026-03-10", "service_end": "2026-03-10",
                  "total_amount": "99999999.99", "eligible_amount": "99999999.99", "fund_paid": "99999999.99",
                  "account_paid": "0.00", "cash_paid": "0.00", "settled_at": "2026-03-10T10:00:00+08:00",
                  "items": [item] * 50}
    raw = json.dumps({"settlements": [settlement] * 1000}, ensure_ascii=False).encode()
    assert len(raw) < max_body_bytes()

    import io

    parsed = JSONParser().parse(io.BytesIO(raw), parser_context={"encoding": "utf-8"})
    assert len(parsed["settlements"]) == 1000
