"""Ticket serializers: the raise body, the action bodies, and the ticket with its timeline (API.md "Tickets")."""
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.coordination.models import Category, EventKind, Status, Ticket, TicketAttachment, TicketEvent
from apps.regions.models import Tier


def inline_choice(choices, **kwargs):
    """A choice field documented as a string listing its values, without an ``enum``: several areas name
    fields ``status``/``category`` with different choice sets, and drf-spectacular would turn each enum into
    a colliding component (a schema warning fails ``check --deploy``)."""
    description = "取值：" + "；".join(f"{value}（{label}）" for value, label in choices)

    @extend_schema_field({"type": "string", "description": description})
    class DocumentedChoiceField(serializers.ChoiceField):
        pass

    return DocumentedChoiceField(choices=choices, **kwargs)


class TicketRaiseSerializer(serializers.Serializer):
    category = inline_choice(Category.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    settlement = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                       help_text="关联结算的编号（须在本机构管辖范围内）")
    settlement_facility = serializers.CharField(
        required=False, allow_blank=True, allow_null=True,
        help_text="关联结算的上报机构编码：结算编号在机构内唯一，管辖范围内多家机构使用同一编号时必填")
    registration = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                         help_text="关联备案的备案编号（须在本机构管辖范围内）")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="说明")


class TransferSerializer(NoteSerializer):
    to = serializers.CharField(help_text="目标机构代码：区划代码（经办机构）或定点医药机构编码")


class TicketEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)
    organisation = serializers.CharField(source="organisation.code", default=None, allow_null=True)
    organisation_name = serializers.CharField(source="organisation.name", default=None, allow_null=True)
    from_holder = serializers.CharField(source="from_holder.code", default=None, allow_null=True)
    to_holder = serializers.CharField(source="to_holder.code", default=None, allow_null=True)
    kind = inline_choice(EventKind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display")
    from_status = inline_choice(Status.choices, read_only=True)
    to_status = inline_choice(Status.choices, read_only=True)

    class Meta:
        model = TicketEvent
        fields = ["kind", "kind_display", "at", "actor", "organisation", "organisation_name", "note",
                  "from_holder", "to_holder", "from_status", "to_status", "due_at"]


class TicketAttachmentSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.code")

    class Meta:
        model = TicketAttachment
        fields = ["name", "size", "content_type", "organisation", "uploaded_at"]


class TicketListSerializer(serializers.ModelSerializer):
    raised_by = serializers.CharField(source="raised_by.code")
    holder = serializers.CharField(source="holder.code", help_text="当前承办机构：区划代码或定点医药机构编码")
    holder_name = serializers.CharField(source="holder.name")
    tier = inline_choice(Tier.choices, source="holder_tier", read_only=True)
    category = inline_choice(Category.choices, read_only=True)
    status = inline_choice(Status.choices, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = ["number", "category", "title", "status", "raised_by", "holder", "holder_name", "tier", "due_at",
                  "overdue", "created_at", "updated_at"]

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(self.context.get("now"))


class TicketDetailSerializer(TicketListSerializer):
    raiser_region = serializers.CharField(source="raiser_region_id")
    settlement = serializers.CharField(source="settlement.number", default=None, allow_null=True)
    settlement_facility = serializers.CharField(source="settlement.facility_id", default=None, allow_null=True,
                                                help_text="关联结算的上报机构编码")
    registration = serializers.CharField(source="registration.reference", default=None, allow_null=True)
    flags = serializers.SerializerMethodField(help_text="关联的可疑结算（费用协查）编号")
    allowed_actions = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    attachments = TicketAttachmentSerializer(many=True, read_only=True)

    class Meta(TicketListSerializer.Meta):
        fields = TicketListSerializer.Meta.fields + [
            "description", "raiser_region", "settlement", "settlement_facility", "registration", "flags",
            "allowed_actions", "events",
            "attachments",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_flags(self, obj) -> list[int]:
        return list(obj.flags.order_by("pk").values_list("pk", flat=True))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj) -> list[str]:
        from apps.coordination.services import allowed_actions

        return allowed_actions(obj, self.context.get("organisation"))

    @extend_schema_field(TicketEventSerializer(many=True))
    def get_events(self, obj):
        from apps.coordination.selectors import timeline

        return TicketEventSerializer(timeline(obj), many=True).data
