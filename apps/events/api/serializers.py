"""Notification and webhook serializers (docs/api.md "Notifications and webhooks"): exactly the contract's
fields. Bodies are typed here; every rule (allowed hosts, known events, the secret) is the service's."""
from rest_framework import serializers

from apps.events.catalogue import EVENT_TYPES
from apps.events.models import Notification, WebhookDelivery, WebhookSubscription

EVENT_HELP = "事件名称，取值：" + "；".join(f"{e.name}（{e.label}）" for e in EVENT_TYPES)


class NotificationSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event.name", help_text=EVENT_HELP)

    class Meta:
        model = Notification
        fields = ["id", "event", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class ReadAllSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="本次标为已读的通知数")


class PreferenceSerializer(serializers.Serializer):
    event = serializers.CharField(help_text=EVENT_HELP)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    enabled = serializers.BooleanField()
    required = serializers.BooleanField(read_only=True, help_text="本机构岗位必须接收，不能关闭")  # type: ignore[assignment]


class SubscribeSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="接收推送的地址（http/https）；主机须在平台允许的范围内")
    events = serializers.ListField(child=serializers.CharField(), help_text=EVENT_HELP)
    secret = serializers.CharField(write_only=True, trim_whitespace=False,
                                   help_text="签名密钥（16–128 个字符），用于 X-Yidi-Signature；不会再显示")


class SubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.CharField(), help_text=EVENT_HELP)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "created_at"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event.name", help_text=EVENT_HELP)
    event_id = serializers.IntegerField(source="event.pk", help_text="事件编号（推送正文中的 id）")
    status = serializers.CharField(help_text="pending（待投递/重试中）、delivered（已送达）、failed（24小时内未送达，已停止）、"
                                             "cancelled（订阅已删除）")

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "event_id", "status", "attempts", "last_status_code", "last_error",
                  "next_attempt_at", "delivered_at", "created_at"]
        read_only_fields = fields
