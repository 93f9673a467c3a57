"""Regions endpoint: GET /api/v1/regions/?level=&parent=."""
import django_filters
from rest_framework import serializers, viewsets

from apps.regions.models import Level, Region


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True)
    pooling_area = serializers.CharField(source="pooling_area_id", allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "pooling_area"]


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    parent = django_filters.CharFilter(field_name="parent_id")

    class Meta:
        model = Region
        fields = ["level", "parent"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Reference data: every account may read every region."""

    queryset = Region.objects.all().order_by("code")
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"
