"""The time limit and auto-escalation of each ticket category are changed through ``update_category_setting``:
national staff only (a superuser too, as in the admin), bounded 1–60 working days, and audited with the old and
new values. The admin's change page and its editable list both go through it."""
import pytest

from apps.coordination import services
from apps.coordination.models import CategorySetting
from apps.core.errors import NotAllowed, ValidationFailed
from apps.core.models import AuditEntry
from tests.factories import UserFactory, org

pytestmark = pytest.mark.django_db

ACTION = "coordination.category_setting"


def snapshot():
    return (list(CategorySetting.objects.order_by("category").values_list("category", "time_limit_days",
                                                                          "auto_escalate")),
            AuditEntry.objects.count())


def update(code, **values):
    user = UserFactory(org=code) if code else UserFactory(organisation=None)
    return services.update_category_setting(actor=user, organisation=org(code) if code else None,
                                            **{"category": "refund", "time_limit_days": 4, "auto_escalate": True,
                                               **values})


def test_national_staff_change_a_time_limit_and_the_audit_keeps_old_and_new_values():
    setting = update("000000", time_limit_days=4, auto_escalate=False)
    assert (setting.time_limit_days, setting.auto_escalate) == (4, False)
    stored = CategorySetting.objects.get(category="refund")
    assert (stored.time_limit_days, stored.auto_escalate) == (4, False)
    entry = AuditEntry.objects.get(action=ACTION)
    assert entry.organisation.code == "000000" and entry.actor is not None
    assert entry.object_id == "refund"
    assert entry.data["changes"] == {"time_limit_days": {"old": 3, "new": 4},
                                     "auto_escalate": {"old": True, "new": False}}
    assert entry.summary == "退费：4 个工作日，自动上报关"


@pytest.mark.parametrize("code", ["320000", "320500", "320508"])
def test_a_bureau_below_national_may_not_change_a_setting_and_nothing_changes(code):
    before = snapshot()
    with pytest.raises(NotAllowed) as exc:
        update(code, time_limit_days=30)
    assert exc.value.message == "只有国家医疗保障局可以修改工单类别设置。"
    assert snapshot() == before


def test_an_account_without_an_organisation_may_not_unless_it_is_a_superuser():
    before = snapshot()
    with pytest.raises(NotAllowed):
        update(None, time_limit_days=30)
    assert snapshot() == before
    admin = UserFactory(organisation=None, is_superuser=True, is_staff=True)
    services.update_category_setting(actor=admin, organisation=None, category="refund", time_limit_days=30,
                                     auto_escalate=True)
    assert CategorySetting.objects.get(category="refund").time_limit_days == 30


@pytest.mark.parametrize("field, values", [
    ("time_limit_days", {"time_limit_days": 0}),
    ("time_limit_days", {"time_limit_days": 61}),
    ("time_limit_days", {"time_limit_days": "5"}),
    ("time_limit_days", {"time_limit_days": True}),
    ("time_limit_days", {"time_limit_days": 2.5}),
    ("auto_escalate", {"auto_escalate": "yes"}),
    ("category", {"category": "gossip"}),
])
def test_values_out_of_bounds_are_refused_on_their_field_and_nothing_changes(field, values):
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        update("000000", **values)
    assert exc.value.field == field
    assert snapshot() == before


def test_the_bounds_themselves_are_accepted():
    assert update("000000", time_limit_days=1).time_limit_days == 1
    assert update("000000", time_limit_days=60).time_limit_days == 60


def test_saving_the_values_a_setting_already_has_writes_no_audit_entry():
    before = snapshot()
    update("000000", time_limit_days=3, auto_escalate=True)  # refund's seeded values
    assert snapshot() == before


def test_a_category_without_a_row_gets_one_and_the_audit_names_the_defaults_as_old_values():
    CategorySetting.objects.filter(category="policy").delete()
    update("000000", category="policy", time_limit_days=7)
    assert CategorySetting.objects.get(category="policy").time_limit_days == 7
    assert AuditEntry.objects.get(action=ACTION).data["changes"] == {"time_limit_days": {"old": 5, "new": 7}}


def test_the_admin_change_page_saves_through_the_service(admin_client_for):
    national = admin_client_for("000000")
    response = national.post("/admin/coordination/categorysetting/refund/change/",
                             {"time_limit_days": "5", "auto_escalate": "on"})
    assert response.status_code == 302
    assert CategorySetting.objects.get(category="refund").time_limit_days == 5
    entry = AuditEntry.objects.get(action=ACTION)
    assert entry.actor == national.user and entry.organisation.code == "000000"
    assert entry.data["changes"] == {"time_limit_days": {"old": 3, "new": 5}}


def test_the_admin_editable_list_saves_through_the_service(admin_client_for):
    national = admin_client_for("000000")
    rows = list(CategorySetting.objects.order_by("category").values_list("category", "time_limit_days",
                                                                         "auto_escalate"))
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": str(len(rows)), "_save": "保存"}
    for i, (category, days, auto) in enumerate(rows):
        data[f"form-{i}-category"] = category
        data[f"form-{i}-time_limit_days"] = str(10 if category == "refund" else days)
        if auto:
            data[f"form-{i}-auto_escalate"] = "on"
    response = national.post("/admin/coordination/categorysetting/", data)
    assert response.status_code == 302
    assert CategorySetting.objects.get(category="refund").time_limit_days == 10
    entry = AuditEntry.objects.get(action=ACTION)
    assert entry.object_id == "refund" and entry.data["changes"] == {"time_limit_days": {"old": 3, "new": 10}}


def test_a_county_posting_to_the_admin_changes_nothing_and_leaves_no_trace(admin_client_for):
    before = snapshot()
    response = admin_client_for("320508").post("/admin/coordination/categorysetting/refund/change/",
                                               {"time_limit_days": "30", "auto_escalate": "on"})
    assert response.status_code == 403
    assert snapshot() == before
