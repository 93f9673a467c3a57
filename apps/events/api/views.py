"""Notifications (the caller's own) and webhook subscriptions (the caller's organisation's), as docs/api.md
"Notifications and webhooks" fixes them."""
import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.pagination import CursorPagination
from apps.events import services
from apps.events.models import Notification, WebhookDelivery, WebhookSubscription
from apps.regions.scope import org_of

from .serializers import (
    DeliverySerializer,
    NotificationSerializer,
    PreferenceSerializer,
    ReadAllSerializer,
    SubscribeSerializer,
    SubscriptionSerializer,
)


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(method="filter_unread", help_text="true：只列未读通知")

    class Meta:
        model = Notification
        fields = ["unread"]

    def filter_unread(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(read_at__isnull=value)


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own notifications, newest first; another user's notification answers 404."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    lookup_value_regex = r"\d+"
    queryset = Notification.objects.none()

    def get_queryset(self):
        return Notification.objects.filter(user=self.request.user).select_related("event").order_by("-id")

    @extend_schema(request=None, responses=NotificationSerializer, summary="标为已读")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        note = services.mark_read(user=request.user, notification_id=pk)
        return Response(NotificationSerializer(self.get_queryset().get(pk=note.pk)).data)

    @extend_schema(request=None, responses=ReadAllSerializer, summary="全部标为已读")
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"updated": services.mark_all_read(user=request.user)})

    @extend_schema(methods=["GET"], request=None, responses=PreferenceSerializer(many=True),
                   summary="通知设置：每类事件是否接收")
    @extend_schema(methods=["POST"], request=PreferenceSerializer, responses=PreferenceSerializer,
                   summary="打开或关闭一类通知（本机构岗位必须接收的不能关闭）")
    @action(detail=False, methods=["get", "post"], pagination_class=None, filterset_class=None,
            serializer_class=PreferenceSerializer)
    def preferences(self, request):
        if request.method == "GET":
            return Response(services.preferences(request.user))
        body = PreferenceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(services.set_preference(user=request.user, event=body.validated_data["event"],
                                                enabled=body.validated_data["enabled"]))


class WebhookViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's organisation's webhook subscriptions and their delivery log."""

    serializer_class = SubscriptionSerializer
    lookup_value_regex = r"\d+"
    queryset = WebhookSubscription.objects.none()

    @property
    def organisation(self):
        return org_of(self.request.user)

    def get_queryset(self):
        return WebhookSubscription.objects.filter(organisation=self.organisation, active=True).order_by("-id")

    @extend_schema(request=SubscribeSerializer, responses={201: SubscriptionSerializer},
                   summary="订阅本机构的事件推送")
    def create(self, request):
        body = SubscribeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sub = services.subscribe(actor=request.user, organisation=self.organisation, **body.validated_data)
        return Response(SubscriptionSerializer(sub).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, summary="删除订阅（不再推送；推送记录保留）")
    def destroy(self, request, pk=None):
        services.unsubscribe(actor=request.user, organisation=self.organisation, subscription_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=DeliverySerializer(many=True), summary="推送记录（最新在前）")
    @action(detail=True, methods=["get"], pagination_class=CursorPagination, serializer_class=DeliverySerializer)
    def deliveries(self, request, pk=None):
        sub = self.get_object()
        page = self.paginate_queryset(WebhookDelivery.objects.filter(subscription=sub).select_related("event")
                                      .order_by("-id"))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: DeliverySerializer}, summary="重新推送",
                   parameters=[OpenApiParameter("delivery_id", OpenApiTypes.INT, OpenApiParameter.PATH,
                                                description="推送记录编号（X-Yidi-Delivery）")])
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>\d+)/redeliver",
            serializer_class=DeliverySerializer)
    def redeliver(self, request, pk=None, delivery_id=None):
        delivery = services.redeliver(actor=request.user, organisation=self.organisation, subscription_id=pk,
                                      delivery_id=delivery_id)
        delivery = WebhookDelivery.objects.select_related("event").get(pk=delivery.pk)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
