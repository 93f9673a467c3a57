"""The admin coverage page (server-rendered SVG bars, scope enforced) and the start-page panel."""
import re

import pytest

from tests.facilities.factories import FacilityFactory

pytestmark = pytest.mark.django_db
PAGE = "/admin/facilities/facility/coverage/"


def bars(html):
    return re.findall(r'<rect class="bar"[^>]*width="([\d.]+)"[^>]*fill="(#\w+)"', html)


def test_a_province_sees_its_own_cities_as_svg_bars_with_the_figures(admin_client_for):
    for county in ["640104", "640105", "640106", "640121", "640122", "640181"]:  # all of 银川
        FacilityFactory(county=county)
    FacilityFactory(county="640202")
    response = admin_client_for("640000").get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "6/22" not in html
    assert "7/22" in html and "31.8%" in html and "未达 60% 目标" in html
    assert "银川市" in html and "6/6（100%）" in html and "1/3（33.3%）" in html
    assert bars(html)[0] == ("420.0", "#2e7d32")  # 银川 full width, green
    assert bars(html)[1][1] == "#c62828"          # 石嘴山 below 60%: red
    assert "西吉县（640422）" in html              # an uncovered county is listed
    assert "<script" not in html.split('id="content-main"')[1]  # nothing loaded from elsewhere


def test_a_province_cannot_see_another_province(admin_client_for):
    assert admin_client_for("640000").get(PAGE, {"province": "320000"}).status_code == 404


def test_national_sees_every_province_and_picks_one(admin_client_for):
    FacilityFactory(county="640104")
    client = admin_client_for("000000")
    overview = client.get(PAGE).content.decode()
    # 31 provinces with county-level units (台湾, 香港, 澳门 carry none in GB/T 2260)
    assert len(bars(overview)) == 31 and "宁夏回族自治区" in overview
    detail = client.get(PAGE, {"province": "640000"}).content.decode()
    assert "1/22" in detail and "银川市" in detail and "各统筹区国家五种门诊慢特病开通情况" in detail


def test_the_start_page_shows_the_organisations_coverage_share(admin_client_for):
    FacilityFactory(county="640104")
    html = admin_client_for("640100").get("/admin/").content.decode()
    assert "跨省普通门诊直接结算县域覆盖" in html
    assert "16.7%（1/6）" in html


def test_a_facilitys_start_page_shows_its_own_services(admin_client_for):
    FacilityFactory(code="H64010400001", county="640104", inpatient=False)
    html = admin_client_for("H64010400001").get("/admin/").content.decode()
    assert "本机构跨省直接结算服务" in html and "未开通" in html
