"""API shapes of settlements, clearing rows and prepayments (API.md "Settlements", "Clearing")."""
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core import idnumbers

from ..models import Clearing, Prepayment, Settlement, SettlementItem, VisitType
from ..selectors import share_of, usage_level


# Plain strings (values listed in the help text): other areas use the field names "category" and "status"
# for other choice sets, and the schema's enum names must not collide.
ITEM_CATEGORY_HELP = "drug（药品）/ service（诊疗项目）/ material（医用耗材）"
CLEARING_STATUS_HELP = "draft（待申报）→ declared（已申报）→ confirmed（已确认）→ paid（已拨付）"


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-03"})
class MonthField(serializers.DateField):
    """A month (the first day of it stored) shown as ``YYYY-MM``; documented as that string, not as a date."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class SettlementItemSerializer(serializers.ModelSerializer):
    category = serializers.CharField(read_only=True, help_text=ITEM_CATEGORY_HELP)

    class Meta:
        model = SettlementItem
        fields = ["code", "name", "category", "quantity", "unit_price", "amount", "days_supply"]


class SettlementSerializer(serializers.ModelSerializer):
    """A stored settlement: what was reported, the matched registration, the expected payment and the flags."""

    id_number = serializers.SerializerMethodField(help_text="身份证号码（脱敏）")
    insured_region = serializers.CharField(source="insured_region_id")
    facility = serializers.CharField(source="facility_id")
    treatment_region = serializers.CharField(source="treatment_region_id")
    registration = serializers.SerializerMethodField(help_text="匹配的备案编号；未匹配为 null")
    flags = serializers.SerializerMethodField(help_text="已触发的监管规则编码")
    items = SettlementItemSerializer(many=True, read_only=True)
    reversed = serializers.BooleanField(source="is_reversed", read_only=True)
    clearing_period = MonthField(read_only=True, help_text="清算月份（YYYY-MM）")
    received_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Settlement
        fields = [
            "number", "id_number", "name", "insured_region", "insured_province", "facility", "treatment_region",
            "treatment_province", "visit_type", "disease_code", "service_start", "service_end", "total_amount",
            "eligible_amount", "fund_paid", "account_paid", "cash_paid", "settled_at", "items", "registration",
            "expected_fund_paid", "flags", "reversed", "reversed_at", "reversal_reason", "clearing_period",
            "received_at",
        ]
        read_only_fields = fields

    def get_id_number(self, obj) -> str:
        return idnumbers.mask(obj.id_number)

    def get_registration(self, obj) -> str | None:
        return obj.registration.reference if obj.registration_id else None

    def get_flags(self, obj) -> list[str]:
        return sorted({f.rule_id for f in obj.flags.all()})


class SettlementItemInSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=128)
    category = serializers.CharField(max_length=10, help_text=ITEM_CATEGORY_HELP)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=4)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    days_supply = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class SettlementInSerializer(serializers.Serializer):
    """The body of a reported settlement (documentation only: the ingest service checks it)."""

    number = serializers.CharField(max_length=64)
    id_number = serializers.CharField(max_length=18)
    name = serializers.CharField(max_length=64)
    insured_region = serializers.CharField(max_length=6)
    facility = serializers.CharField(max_length=12)
    visit_type = serializers.ChoiceField(choices=VisitType.choices)
    disease_code = serializers.CharField(max_length=6, required=False, allow_blank=True)
    service_start = serializers.DateField()
    service_end = serializers.DateField()
    total_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    eligible_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    fund_paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    account_paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    cash_paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    settled_at = serializers.DateTimeField()
    items = SettlementItemInSerializer(many=True, required=False)


class BulkInSerializer(serializers.Serializer):
    settlements = SettlementInSerializer(many=True, help_text="最多1,000条")


class BulkResultSerializer(serializers.Serializer):
    number = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["created", "duplicate", "conflict", "invalid"])
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class BulkOutSerializer(serializers.Serializer):
    results = BulkResultSerializer(many=True)
    created = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    conflict = serializers.IntegerField()
    invalid = serializers.IntegerField()


class SettlementReversalSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class ClearingSerializer(serializers.ModelSerializer):
    period = MonthField(help_text="清算月份（YYYY-MM）")
    insured_province = serializers.CharField(source="insured_province_id")
    treatment_province = serializers.CharField(source="treatment_province_id")
    overdue = serializers.BooleanField(read_only=True)
    status = serializers.CharField(read_only=True, help_text=CLEARING_STATUS_HELP)

    class Meta:
        model = Clearing
        fields = [
            "id", "period", "insured_province", "treatment_province", "settlement_count", "reversal_count",
            "total_amount", "eligible_amount", "fund_paid", "account_paid", "cash_paid", "adjustment_count",
            "adjustment_total_amount", "adjustment_fund_paid", "status", "declare_due", "overdue", "built_at",
            "declared_at", "confirmed_at", "paid_at",
        ]
        read_only_fields = fields


class PrepaymentSerializer(serializers.ModelSerializer):
    insured_province = serializers.CharField(source="insured_province_id")
    treatment_province = serializers.CharField(source="treatment_province_id")
    used = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True,
                                    help_text="本年度已垫付、尚未拨付的统筹基金（未拨付清算行的合计）")
    share_used = serializers.SerializerMethodField(help_text="使用比例（0–1，四位小数）")
    warning = serializers.SerializerMethodField(help_text="normal / yellow（≥70%）/ red（≥90%）")

    class Meta:
        model = Prepayment
        fields = ["id", "year", "insured_province", "treatment_province", "base_fund_paid", "base_months", "amount",
                  "used", "share_used", "warning", "computed_at"]
        read_only_fields = fields

    def get_share_used(self, obj) -> str | None:
        share = share_of(obj)
        return None if share is None else str(share)

    def get_warning(self, obj) -> str:
        return usage_level(share_of(obj))
