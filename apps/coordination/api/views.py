"""Tickets endpoint (API.md "Tickets"): raise, list, read with the timeline, and the routing actions."""
import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.coordination import selectors, services
from apps.coordination.models import ACTIVE_STATUSES, Category, Status, Ticket
from apps.core.api.mixins import ScopedQuerysetMixin
from apps.core.api.pagination import CursorPagination
from apps.core.errors import ValidationFailed
from apps.core.inputs import text_error
from apps.regions.models import Organisation, Tier

from .serializers import (
    NoteSerializer,
    TicketDetailSerializer,
    TicketListSerializer,
    TicketRaiseSerializer,
    TransferSerializer,
)

CODE_MAX = Organisation._meta.get_field("code").max_length  # a 6-digit region or a 12-character facility code
NUMBER_MAX = Ticket._meta.get_field("number").max_length
BOOLEAN_WORDS = {"true", "false", "True", "False"}  # what the filter reads
PARAM_MAX = 100  # no filter value is longer; a longer one is refused before the form echoes it back whole


class TicketFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    tier = django_filters.ChoiceFilter(field_name="holder_tier", choices=Tier.choices)
    holder = django_filters.CharFilter(field_name="holder__code", max_length=CODE_MAX, help_text="当前承办机构代码")
    raised_by = django_filters.CharFilter(field_name="raised_by__code", max_length=CODE_MAX, help_text="发起机构代码")
    held = django_filters.ChoiceFilter(choices=[("me", "本机构承办")], method="filter_held",
                                       help_text="held=me：本机构当前承办的工单")
    raised = django_filters.ChoiceFilter(choices=[("me", "本机构发起")], method="filter_raised",
                                         help_text="raised=me：本机构发起的工单")
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text="是否已超过办理时限")
    box = django_filters.ChoiceFilter(choices=list(selectors.BOXES.items()), method="filter_box",
                                      help_text="收件箱视图")

    class Meta:
        model = Ticket
        fields = ["status", "category", "tier", "holder", "raised_by", "held", "raised", "overdue", "box"]

    @property
    def _org(self):
        return getattr(self.request.user, "organisation", None)

    def is_valid(self):
        for name in self.filters:
            value = self.data.get(name)
            if isinstance(value, str) and len(value) > PARAM_MAX:
                raise ValidationFailed(_("%(name)s 过长：最多 %(max)s 个字符。") % {"name": name, "max": PARAM_MAX},
                                       field=name)
        return super().is_valid()

    def filter_queryset(self, queryset):
        # django-filter reads an unknown word as "no filter"; a partner asking overdue=yes must hear it was not
        # understood rather than get every ticket
        raw = self.data.get("overdue")
        if raw not in (None, "") and raw not in BOOLEAN_WORDS:
            raise ValidationFailed(_("overdue 只能为 true 或 false。"), field="overdue")
        return super().filter_queryset(queryset)

    def filter_held(self, qs, name, value):
        return qs.filter(holder_id=self._org.pk) if value == "me" else qs

    def filter_raised(self, qs, name, value):
        return qs.filter(raised_by_id=self._org.pk) if value == "me" else qs

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        now = timezone.now()
        overdue = Q(status__in=ACTIVE_STATUSES, due_at__lt=now)
        return qs.filter(overdue) if value else qs.exclude(overdue)

    def filter_box(self, qs, name, value):
        return selectors.in_box(qs, self._org, value)


class TicketViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    """Coordination tickets in the caller's scope; out-of-scope numbers answer 404."""

    queryset = Ticket.objects.select_related("holder", "raised_by", "settlement", "registration")
    lookup_field = "number"
    filterset_class = TicketFilter
    pagination_class = CursorPagination

    def get_serializer_class(self):
        if self.action == "list":
            return TicketListSerializer
        if self.action == "create":
            return TicketRaiseSerializer
        if self.action == "transfer":
            return TransferSerializer
        if self.action in services.ACTIONS:
            return NoteSerializer
        return TicketDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organisation": self.organisation, "now": timezone.now()}

    def _detail(self, ticket, code=status.HTTP_200_OK):
        ticket = self.get_queryset().prefetch_related("attachments__organisation").get(pk=ticket.pk)
        return Response(TicketDetailSerializer(ticket, context=self.get_serializer_context()).data, status=code)

    def get_object(self):
        # a number with a NUL, a control character or of any length is no ticket: the JSON 404, not a 500 from
        # the database driver
        number = self.kwargs.get(self.lookup_field, "")
        if not isinstance(number, str) or len(number) > NUMBER_MAX or text_error(number):
            raise exceptions.NotFound()
        return super().get_object()

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    @extend_schema(request=TicketRaiseSerializer, responses={201: TicketDetailSerializer})
    def create(self, request, *args, **kwargs):
        body = TicketRaiseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        ticket = services.raise_ticket(actor=request.user, organisation=self.organisation, category=data["category"],
                                       title=data["title"], description=data["description"],
                                       settlement=data.get("settlement"), registration=data.get("registration"),
                                       settlement_facility=data.get("settlement_facility"))
        return self._detail(ticket, status.HTTP_201_CREATED)

    def _act(self, request, name):
        ticket = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        extra = {"to": body.validated_data["to"]} if name == "transfer" else {}
        services.ACTION_SERVICES[name](actor=request.user, organisation=self.organisation, ticket=ticket,
                                       note=body.validated_data.get("note", ""), **extra)
        return self._detail(ticket)

    @extend_schema(request=NoteSerializer, responses=TicketDetailSerializer, summary="回复")
    @action(detail=True, methods=["post"])
    def comment(self, request, number=None):
        return self._act(request, "comment")

    @extend_schema(request=NoteSerializer, responses=TicketDetailSerializer, summary="上报上一级")
    @action(detail=True, methods=["post"])
    def escalate(self, request, number=None):
        return self._act(request, "escalate")

    @extend_schema(request=TransferSerializer, responses=TicketDetailSerializer, summary="转办")
    @action(detail=True, methods=["post"])
    def transfer(self, request, number=None):
        return self._act(request, "transfer")

    @extend_schema(request=NoteSerializer, responses=TicketDetailSerializer, summary="办结")
    @action(detail=True, methods=["post"])
    def resolve(self, request, number=None):
        return self._act(request, "resolve")

    @extend_schema(request=NoteSerializer, responses=TicketDetailSerializer, summary="重开（仅发起机构）")
    @action(detail=True, methods=["post"])
    def reopen(self, request, number=None):
        return self._act(request, "reopen")

    @extend_schema(request=NoteSerializer, responses=TicketDetailSerializer, summary="关闭（仅发起机构）")
    @action(detail=True, methods=["post"])
    def close(self, request, number=None):
        return self._act(request, "close")
