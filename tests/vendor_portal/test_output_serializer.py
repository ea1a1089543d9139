"""PlannedListSerializer: list pages answer exactly what DRF's own ListSerializer would, for less CPU."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework import serializers

from vendor_portal.api.output import OutputSerializer, PlannedListSerializer
from vendor_portal.models import User


class Code:
    def __init__(self, code):
        self.code = code


class Row:
    def __init__(self, **values):
        self.__dict__.update(values)


class RowSerializer(OutputSerializer):
    name = serializers.CharField()
    vendor = serializers.CharField(source="vendor.code", default=None)
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    due = serializers.DateField(allow_null=True)
    at = serializers.DateTimeField(allow_null=True)
    state = serializers.ChoiceField(choices=[("new", "New"), ("done", "Done")])
    flag = serializers.BooleanField()
    label = serializers.SerializerMethodField()
    tags = serializers.ListField(child=serializers.CharField())

    def get_label(self, obj) -> str:
        name = obj["name"] if isinstance(obj, dict) else obj.name
        return f"{name}!"


def _rows():
    at = datetime.datetime(2026, 12, 3, 23, 30, tzinfo=datetime.UTC)
    return [
        Row(
            name="a", vendor=Code("ACME"), count=3, amount=Decimal("1.005"), due=datetime.date(2026, 12, 4), at=at, state="new", flag=True, tags=["x"]
        ),
        Row(name="b", vendor=None, count=0, amount=Decimal("0"), due=None, at=None, state="done", flag=False, tags=[]),
        {"name": "c", "vendor": Code("GLOBEX"), "count": 1, "amount": "2.5", "due": None, "at": at, "state": "new", "flag": 1, "tags": []},
    ]


def _drf(data):
    return serializers.ListSerializer(child=RowSerializer()).to_representation(data)


def test_a_page_is_what_drf_answers_field_by_field():
    planned = RowSerializer(_rows(), many=True)
    assert isinstance(planned, PlannedListSerializer)
    assert planned.data == _drf(_rows())
    first = planned.data[0]
    assert first["vendor"] == "ACME" and first["at"] == "2026-12-03T23:30:00Z" and first["label"] == "a!"
    assert planned.data[1]["vendor"] is None  # a missing relation takes the field's default


def test_datetimes_are_in_the_time_zone_of_the_request():
    with timezone.override("Asia/Shanghai"):
        data = RowSerializer(_rows(), many=True).data
        assert data == _drf(_rows())
    assert data[0]["at"] == "2026-12-04T07:30:00+08:00"


def test_a_child_that_shapes_its_own_rows_keeps_doing_so():
    class Shaped(RowSerializer):
        def to_representation(self, instance):
            return {"only": instance.name}

    assert Shaped(_rows()[:2], many=True).data == [{"only": "a"}, {"only": "b"}]


@pytest.mark.django_db
def test_every_api_list_answers_the_same_as_with_drfs_list_serializer(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_demo", stdout=io.StringIO())
    client = Client()
    client.force_login(User.objects.get(username="retail-ap"))
    lists = [
        "/api/v1/purchase-orders/",
        "/api/v1/shipments/",
        "/api/v1/invoices/",
        "/api/v1/deductions/",
        "/api/v1/disputes/",
        "/api/v1/payments/",
        "/api/v1/payment-runs/",
        "/api/v1/promotions/",
        "/api/v1/forecasts/",
    ]
    planned = {}
    for url in lists:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        planned[url] = response.json()
    assert sum(len(page["results"]) for page in planned.values()) > 20, "the demo data fills the lists"
    monkeypatch.setattr(PlannedListSerializer, "to_representation", serializers.ListSerializer.to_representation)
    for url in lists:
        assert client.get(url).json() == planned[url], url
