"""Flags as API.md "Flags" describes them; money as 2-place decimal strings, regions and facility as codes."""
from rest_framework import serializers

from apps.supervision.models import Flag, FlagStatus


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
    detail = serializers.JSONField(read_only=True, help_text="证据：配对结算编号、超出阈值的数值等")
    # A plain string: a second "status" enum in the schema would collide with the other areas' status enums.
    status = serializers.CharField(read_only=True, help_text="new 待处理 / reviewing 协查中 / confirmed 已确认违规 / "
                                                             "dismissed 已排除")

    class Meta:
        model = Flag
        fields = ["id", "settlement", "rule", "rule_name", "severity", "score", "detail", "status",
                  "insured_region", "treatment_region", "facility", "ticket", "amount_recovered", "note",
                  "created_at", "concluded_at"]
        read_only_fields = fields


class RequestReviewSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="给就医地的协查说明")


class ConcludeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[FlagStatus.CONFIRMED, FlagStatus.DISMISSED])
    amount_recovered = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                                min_value=0, help_text="确认违规时必填：追回金额")
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="结论说明（排除时必填）")
