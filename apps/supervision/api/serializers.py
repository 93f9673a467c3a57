"""Flags as API.md "Flags" describes them; money as 2-place decimal strings, regions and facility as codes."""
from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from apps.regions.scope import org_of
from apps.supervision.models import Flag, FlagStatus
from apps.supervision.selectors import visible_evidence, visible_evidence_many


def _reader(context):
    """The organisation the response is for; without a request, nobody (evidence shows what anyone may know)."""
    request = context.get("request")
    return org_of(request.user) if request is not None else None


@extend_schema_field({
    "type": "object", "additionalProperties": {},
    "description": "证据（按调用方查看范围）：超出阈值的数值、日期，配对结算编号等。调用方无权查看的配对结算只给出"
                   "就诊类型（other_visit_type / previous_visit_type）和日期，其编号、机构等为 null，并列于 withheld。",
})
class EvidenceField(serializers.Field):
    """A flag's evidence as the caller may see it (``selectors.visible_evidence``); a list page reads all the related
    settlements in one query (``FlagListSerializer``)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, flag):
        evidence = self.context.get("evidence", {}).get(flag.pk)
        if evidence is None:
            evidence = visible_evidence(flag, _reader(self.context))
        return evidence.detail


class FlagListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        flags = list(data.all() if hasattr(data, "all") else data)
        self.context["evidence"] = visible_evidence_many(flags, _reader(self.context))
        return super().to_representation(flags)


class FlagSerializer(serializers.ModelSerializer):
    settlement = serializers.SlugRelatedField(slug_field="number", read_only=True, help_text="结算编号")
    rule = serializers.CharField(source="rule_id", read_only=True, help_text="规则编码")
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    severity = serializers.CharField(source="rule.severity", read_only=True, help_text="low / medium / high")
    ticket = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True,
                                          help_text="费用协查工单编号")
    insured_region = serializers.CharField(source="insured_region_id", read_only=True)
    treatment_region = serializers.CharField(source="treatment_region_id", read_only=True)
    facility = serializers.CharField(source="facility_id", read_only=True)
    detail = EvidenceField()
    # A plain string: a second "status" enum in the schema would collide with the other areas' status enums.
    status = serializers.CharField(read_only=True, help_text="new 待处理 / reviewing 协查中 / confirmed 已确认违规 / "
                                                             "dismissed 已排除")

    class Meta:
        model = Flag
        fields = ["id", "settlement", "rule", "rule_name", "severity", "score", "detail", "status",
                  "insured_region", "treatment_region", "facility", "ticket", "amount_recovered", "note",
                  "created_at", "concluded_at"]
        read_only_fields = fields
        list_serializer_class = FlagListSerializer


class _Text(serializers.CharField):
    """Free text handed to the service as sent: the service refuses control characters and lone surrogates with
    the portal's one message (``apps.core.inputs.text_error``)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(
            v, (ProhibitNullCharactersValidator, ProhibitSurrogateCharactersValidator))]


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^\d{1,12}(?:\.\d{1,2})?$",
                      "nullable": True, "example": "1234.50"})
class _Amount(serializers.Field):
    """Money as sent (a decimal string, API.md): ``services.conclude`` parses it (``apps.core.inputs.parse_decimal``)
    and refuses floats, exponents, full-width digits, NaN and -0.00 with one message."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return None if value is None else str(value)


class RequestReviewSerializer(serializers.Serializer):
    note = _Text(required=False, allow_blank=True, default="", help_text="给就医地的协查说明")


class ConcludeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[FlagStatus.CONFIRMED, FlagStatus.DISMISSED])
    amount_recovered = _Amount(required=False, allow_null=True, help_text="确认违规时必填：追回金额（最多两位小数）")
    note = _Text(required=False, allow_blank=True, default="", help_text="结论说明（排除时必填）")
