"""Facility and coverage representations of the partner contract (API.md, "Facilities" and "Coverage")."""
from rest_framework import serializers

from ..models import Facility


class FacilitySerializer(serializers.ModelSerializer):
    # plain strings (values listed in API.md), so the schema has no enum names to collide with other areas'
    kind = serializers.CharField(read_only=True, help_text="hospital（医疗机构）| pharmacy（零售药店）")
    level = serializers.CharField(read_only=True, help_text="3 三级 | 2 二级 | 1 一级 | 0 未定级")
    status = serializers.CharField(read_only=True, help_text="active（正常）| suspended（暂停）")
    region = serializers.CharField(source="region_id", read_only=True, help_text="所在县级行政区划代码")
    chronic_diseases = serializers.SerializerMethodField(help_text="已确认开通的门诊慢特病编码")

    class Meta:
        model = Facility
        fields = ["code", "name", "kind", "level", "region", "status", "inpatient", "outpatient", "chronic_diseases"]
        read_only_fields = fields

    def get_chronic_diseases(self, obj) -> list[str]:
        return [s.disease_id for s in obj.confirmed_services]


class UncoveredCountySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CoverageRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    counties = serializers.IntegerField(help_text="县级行政区数")
    covered = serializers.IntegerField(help_text="有正常状态且开通跨省普通门诊直接结算的医疗机构的县级行政区数")
    share = serializers.FloatField(help_text="覆盖率（百分比，一位小数）")
    meets_60 = serializers.BooleanField()
    meets_100 = serializers.BooleanField()
    uncovered = UncoveredCountySerializer(many=True)


class DiseaseAvailabilitySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    available = serializers.BooleanField()


class PoolingAreaSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    diseases = DiseaseAvailabilitySerializer(many=True)


class CoverageSerializer(serializers.Serializer):
    province = CoverageRowSerializer()
    cities = CoverageRowSerializer(many=True)
    uncovered = UncoveredCountySerializer(many=True)
    pooling_areas = PoolingAreaSerializer(many=True)
    targets = serializers.ListField(child=serializers.IntegerField())
