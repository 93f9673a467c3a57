"""Registration API serializers: the request body API.md fixes, and the registration as partners see it."""
from rest_framework import serializers

from apps.registration.models import Category, InsuranceType, Registration, RegistrationEvent, Scope, Status


class RegistrationCreateSerializer(serializers.Serializer):
    """Types only; every rule is the service's (apps.registration.services.submit_registration)."""

    id_number = serializers.CharField(help_text="18位居民身份证号码（校验位按 GB 11643 核验）")
    name = serializers.CharField()
    phone = serializers.CharField(help_text="11位中国大陆手机号码")
    # plain strings here (the service names a bad value): each enum then lives in one schema component only,
    # which keeps drf-spectacular's enum naming free of collisions with other areas' ``status``/``category``
    insurance_type = serializers.CharField(help_text="employee（职工医保）或 resident（城乡居民医保）")
    insured_region = serializers.CharField(help_text="参保地：县（区）代码，或参保统筹区代码")
    category = serializers.CharField(help_text="；".join(f"{v}（{label}）" for v, label in Category.choices))
    destination_region = serializers.CharField(help_text="就医地：参保统筹区以外的省或地市代码")
    start_date = serializers.DateField(required=False, help_text="默认今天；早于今天须填写 retroactive_reason")
    end_date = serializers.DateField(required=False, allow_null=True, help_text="空：按类别默认（长期为长期有效）")
    commitment_signed = serializers.BooleanField(default=False, help_text="已签署个人承诺书（承诺制）")
    retroactive_reason = serializers.CharField(required=False, allow_blank=True, default="")
    documents_provided = serializers.BooleanField(
        default=False, help_text="可选：证明材料已提交（未签署承诺书时必须）")
    documents_owed = serializers.CharField(required=False, allow_blank=True, default="",
                                           help_text="可选：容缺后补的材料")
    documents_due = serializers.DateField(required=False, allow_null=True, help_text="可选：材料补交截止日期")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text="驳回、撤销时必填")


class RegistrationEventSerializer(serializers.ModelSerializer):
    # plain strings: one enum (``status``) is enough in the schema
    from_status = serializers.CharField(help_text="原状态（提交时为空）")
    to_status = serializers.CharField(help_text="新状态")
    organisation = serializers.CharField(source="organisation.code", default=None, allow_null=True,
                                         help_text="办理机构代码；参保人网上自助提交时为空")

    class Meta:
        model = RegistrationEvent
        fields = ["at", "from_status", "to_status", "reason", "organisation"]


class RegistrationSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="person.masked_id", help_text="已脱敏")
    name = serializers.CharField(source="person.name")
    insurance_type = serializers.ChoiceField(source="person.insurance_type", choices=InsuranceType.choices)
    insured_region = serializers.CharField(source="insured_region_id")
    insured_pooling_area = serializers.CharField(source="insured_pooling_area_id")
    destination_region = serializers.CharField(source="destination_region_id")
    valid_from = serializers.DateField(source="start_date")
    valid_until = serializers.DateField(source="end_date", allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    scope = serializers.ChoiceField(choices=Scope.choices)
    events = RegistrationEventSerializer(many=True, read_only=True, help_text="办理记录（时间顺序）")

    class Meta:
        model = Registration
        fields = [
            "reference", "status", "status_reason", "valid_from", "valid_until", "scope", "category",
            "id_number", "name", "insurance_type", "insured_region", "insured_pooling_area",
            "destination_region", "commitment_signed", "documents_owed", "documents_due",
            "retroactive_reason", "channel", "created_at", "events",
        ]
