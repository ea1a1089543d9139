"""Serializer fields held to the portal's input bounds (vendor_portal/limits.py): a quantity or date no
column or date arithmetic can take is a 400 naming the field, never a 500 further in."""

from rest_framework import serializers

from vendor_portal import limits


class QuantityField(serializers.IntegerField):
    """A count of units: whole, at least `min_value` (0 unless given), at most limits.MAX_QUANTITY."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", limits.MAX_QUANTITY)
        super().__init__(**kwargs)


class DocumentDateField(serializers.DateField):
    """A business document's date (ship date, invoice date, ...): between limits.EARLIEST_DATE and LATEST_DATE."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        problem = limits.date_problem(day)
        if problem:
            raise serializers.ValidationError(problem, code="out_of_range")
        return day
