"""Registrations endpoint (API.md "Registrations"): create, read, list, search, approve / reject / cancel."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.mixins import ScopedQuerysetMixin
from apps.core.api.pagination import CursorPagination
from apps.registration import access, services
from apps.registration.models import Channel, Registration

from .filters import RegistrationFilter
from .serializers import (
    ReasonSerializer,
    RegistrationCreateSerializer,
    RegistrationSearchSerializer,
    RegistrationSerializer,
)


class RegistrationPagination(CursorPagination):
    ordering = "-id"


class RegistrationViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                          mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """备案. Reads are limited to the caller's scope; transitions to the insured side (see services)."""

    queryset = Registration.objects.select_related("person").order_by("-id")  # events: prefetched, 2 queries a page
    serializer_class = RegistrationSerializer
    filterset_class = RegistrationFilter
    pagination_class = RegistrationPagination
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return super().get_queryset().prefetch_related("events__organisation")

    def get_object(self):
        # a reference that cannot exist (a NUL byte, a control character, too long) is simply not found
        if access.normalised_reference(self.kwargs.get("reference")) is None:
            raise exceptions.NotFound()
        return super().get_object()

    @extend_schema(
        request=RegistrationSearchSerializer, responses={200: RegistrationSerializer(many=True)},
        parameters=[OpenApiParameter("cursor", OpenApiTypes.STR, OpenApiParameter.QUERY,
                                     description="翻页：POST 同样的请求体到上一页答复的 next 地址"),
                    OpenApiParameter("page_size", OpenApiTypes.INT, OpenApiParameter.QUERY, description="每页条数")],
        description="与列表相同的过滤、范围、字段与分页，但条件（含完整身份证号码）放在请求体中，不进入网址。",
    )
    @action(detail=False, methods=["post"], filter_backends=[])
    def search(self, request):
        body = RegistrationSearchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        filterset = RegistrationFilter(data=body.filter_data(), queryset=self.get_queryset(), request=request)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(RegistrationSerializer(page, many=True).data)

    @extend_schema(request=RegistrationCreateSerializer, responses={201: RegistrationSerializer})
    def create(self, request, *args, **kwargs):
        payload = RegistrationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        registration = services.submit_registration(
            actor=request.user, organisation=self.organisation, channel=Channel.API, data=payload.validated_data)
        return Response(RegistrationSerializer(self.get_queryset().get(pk=registration.pk)).data,
                        status=status.HTTP_201_CREATED)

    def _answer(self, registration):
        registration = self.get_queryset().get(pk=registration.pk)
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(request=None, responses={200: RegistrationSerializer, 409: OpenApiResponse(description="状态不允许")})
    @action(detail=True, methods=["post"])
    def approve(self, request, reference=None):
        return self._answer(services.approve_registration(
            actor=request.user, organisation=self.organisation, reference=reference))

    @extend_schema(request=ReasonSerializer, responses={200: RegistrationSerializer, 409: OpenApiResponse(description="状态不允许")})
    @action(detail=True, methods=["post"])
    def reject(self, request, reference=None):
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.reject_registration(
            actor=request.user, organisation=self.organisation, reference=reference, reason=body.validated_data["reason"]))

    @extend_schema(request=ReasonSerializer, responses={200: RegistrationSerializer, 409: OpenApiResponse(description="状态不允许")})
    @action(detail=True, methods=["post"])
    def cancel(self, request, reference=None):
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.cancel_registration(
            actor=request.user, organisation=self.organisation, reference=reference, reason=body.validated_data["reason"]))
