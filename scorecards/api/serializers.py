from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import metrics
from ..models import ScorecardWeek

# Each measure's numerator over its denominator (0..1, four decimals); null when nothing was due.
ScorecardRatesSerializer = type(
    "ScorecardRatesSerializer",
    (serializers.Serializer,),
    {
        name: serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True, read_only=True, help_text=str(measure.definition))
        for name, measure in metrics.MEASURES.items()
    },
)


class ScorecardWeekSerializer(serializers.ModelSerializer):
    vendor_code = serializers.CharField(source="vendor.code", read_only=True)
    marketplace = serializers.CharField(source="marketplace.code", read_only=True)
    dc = serializers.CharField(source="warehouse.code", read_only=True)
    rates = serializers.SerializerMethodField()

    class Meta:
        model = ScorecardWeek
        fields = ["id", "week", "vendor_code", "marketplace", "dc", *metrics.FIGURE_FIELDS, "rates", "computed_at"]
        read_only_fields = fields

    @extend_schema_field(ScorecardRatesSerializer)
    def get_rates(self, row):
        return ScorecardRatesSerializer({name: metrics.rate(row, name) for name in metrics.MEASURES}).data
