from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shipments.api.serializers import JobSerializer
from vendor_portal.models import Job

from ..models import CostChangeRequest, ItemProposal, ItemProposalUpload, PackLevel
from ..services import item_uploads
from ..services.costs import CostChangeInput
from ..services.items import ItemInput, OfferInput, PackLevelInput


def money(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


# Output ------------------------------------------------------------------------------------------------
class PackLevelSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=PackLevel.choices)
    units = serializers.IntegerField(help_text="Eaches in the level.")
    length_cm = serializers.DecimalField(max_digits=7, decimal_places=2)
    width_cm = serializers.DecimalField(max_digits=7, decimal_places=2)
    height_cm = serializers.DecimalField(max_digits=7, decimal_places=2)
    weight_kg = serializers.DecimalField(max_digits=8, decimal_places=3)


class OfferSerializer(serializers.Serializer):
    marketplace = serializers.CharField(source="marketplace.code")
    local_title = serializers.CharField()
    cost = money()
    list_price = money(allow_null=True)
    currency = serializers.CharField()


class ItemProposalSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.code")
    asin = serializers.CharField(source="product.asin", allow_null=True, default=None, help_text="Set once approved.")
    pack_levels = PackLevelSerializer(many=True, source="pack_levels.all")
    offers = OfferSerializer(many=True, source="offers.all")

    class Meta:
        model = ItemProposal
        fields = [
            "id",
            "vendor",
            "vendor_sku",
            "title",
            "brand",
            "gtin",
            "case_gtin",
            "case_pack",
            "minimum_order_quantity",
            "country_of_origin",
            "hs_code",
            "state",
            "review_comment",
            "submitted_at",
            "reviewed_at",
            "asin",
            "pack_levels",
            "offers",
        ]


class CostChangeSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.code")
    vendor_sku = serializers.CharField(source="product.vendor_sku")
    asin = serializers.CharField(source="product.asin")
    marketplace = serializers.CharField(source="marketplace.code")

    class Meta:
        model = CostChangeRequest
        fields = [
            "id",
            "vendor",
            "vendor_sku",
            "asin",
            "marketplace",
            "currency",
            "current_cost",
            "new_cost",
            "counter_cost",
            "agreed_cost",
            "effective_from",
            "reason",
            "buyer_comment",
            "state",
            "created_at",
            "decided_at",
        ]


class CostChangeBatchSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    count = serializers.IntegerField()
    cost_changes = CostChangeSerializer(many=True, help_text="The proposed requests; empty on a dry run.")


# Input -------------------------------------------------------------------------------------------------
class PackLevelInputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=PackLevel.choices)
    units = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None, help_text="Pallet only: eaches on it.")
    length_cm = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=Decimal("0"))
    width_cm = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=Decimal("0"))
    height_cm = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=Decimal("0"))
    weight_kg = serializers.DecimalField(max_digits=8, decimal_places=3, min_value=Decimal("0"))


class OfferInputSerializer(serializers.Serializer):
    marketplace = serializers.CharField(max_length=2)
    cost = money(min_value=Decimal("0"))
    list_price = money(min_value=Decimal("0"), required=False, allow_null=True, default=None)
    local_title = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ItemProposalInputSerializer(serializers.Serializer):
    vendor_sku = serializers.CharField(max_length=40)
    title = serializers.CharField(max_length=300)
    brand = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    gtin = serializers.CharField(max_length=14, help_text="GTIN-8, -12, -13 or -14 with its check digit.")
    case_gtin = serializers.CharField(max_length=14)
    case_pack = serializers.IntegerField(min_value=1, max_value=100000)
    minimum_order_quantity = serializers.IntegerField(min_value=1, max_value=1000000, default=1)
    country_of_origin = serializers.CharField(max_length=2)
    hs_code = serializers.CharField(max_length=12)
    pack_levels = PackLevelInputSerializer(many=True, max_length=3)
    offers = OfferInputSerializer(many=True, max_length=10)
    submit = serializers.BooleanField(default=False, help_text="Submit to the buyer at once (else a draft).")

    def item_input(self) -> ItemInput:
        data = self.validated_data
        return ItemInput(
            vendor_sku=data["vendor_sku"],
            title=data["title"],
            brand=data["brand"],
            gtin=data["gtin"],
            case_gtin=data["case_gtin"],
            case_pack=data["case_pack"],
            minimum_order_quantity=data["minimum_order_quantity"],
            country_of_origin=data["country_of_origin"],
            hs_code=data["hs_code"],
            pack_levels=[PackLevelInput(ref=f"pack_levels[{i}]", **level) for i, level in enumerate(data["pack_levels"])],
            offers=[OfferInput(ref=f"offers[{i}]", **offer) for i, offer in enumerate(data["offers"])],
        )


class ReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CostChangeInputSerializer(serializers.Serializer):
    vendor_sku = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    asin = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    marketplace = serializers.CharField(max_length=2)
    new_cost = money(min_value=Decimal("0"))
    effective_from = serializers.DateField(help_text="First day (marketplace calendar) whose POs take the new cost; today or later.")
    reason = serializers.CharField(max_length=2000)


class CostChangeProposeSerializer(serializers.Serializer):
    changes = CostChangeInputSerializer(many=True, allow_empty=False, max_length=2000)
    dry_run = serializers.BooleanField(default=False, help_text="Check and report without saving.")

    def change_inputs(self) -> list[CostChangeInput]:
        return [CostChangeInput(ref=f"changes[{i}]", **row) for i, row in enumerate(self.validated_data["changes"])]


class CounterSerializer(serializers.Serializer):
    counter_cost = money(min_value=Decimal("0"))
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


# Items from a file (XLSX) --------------------------------------------------------------------------------
class ItemImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="XLSX, one row per item, columns as in the template (/catalogue/items/upload/template.xlsx).")


class ImportedItemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The spreadsheet's row (the header is row 1).")
    id = serializers.IntegerField(allow_null=True, help_text="Null: a dry run creates nothing (with dry_run=false a job proposes the items).")
    vendor_sku = serializers.CharField()
    title = serializers.CharField()
    gtin = serializers.CharField()
    case_gtin = serializers.CharField()
    case_pack = serializers.IntegerField()
    marketplaces = serializers.ListField(child=serializers.CharField(), help_text="Where it is offered.")


class ItemImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    file_name = serializers.CharField()
    row_count = serializers.IntegerField()
    ignored_columns = serializers.ListField(child=serializers.CharField(), help_text="Columns the portal does not read.")
    items = ImportedItemSerializer(many=True, help_text="Per row, what is (or would be) proposed, submitted to the buyer.")


class ItemImportJobSerializer(JobSerializer):
    """202 to `dry_run=false`: the job that proposes the items (poll it at /api/v1/jobs/<id>/). Done: `progress_done`
    is the number of items proposed and `message` says so; failed: nothing was saved and `message` names the
    problems by row and column (say, a GTIN another file took since the check)."""

    upload_id = serializers.SerializerMethodField()

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "upload_id"]

    def get_upload_id(self, obj) -> int:
        return int(obj.target_id)


class ItemUploadProposalSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The spreadsheet's row (the header is row 1).")
    id = serializers.IntegerField(help_text="The item proposal the row became (GET /api/v1/item-proposals/{id}/).")
    vendor_sku = serializers.CharField()
    gtin = serializers.CharField()


class ItemUploadErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Null: the file as a whole.")
    column = serializers.CharField(help_text="The column key (file: the file as a whole).")
    title = serializers.CharField(help_text="The column's title in the uploader's language.")
    code = serializers.CharField()
    message = serializers.CharField()


class ItemUploadSerializer(serializers.ModelSerializer):
    """A new-items file sent with dry_run=false and what became of it."""

    items = serializers.SerializerMethodField(help_text="Once proposed: each row and the proposal it became, in row order.")
    errors = ItemUploadErrorSerializer(many=True, help_text="Once refused: every problem by row and column; nothing was saved.")
    job = serializers.SerializerMethodField(help_text="The newest job that proposes the file's items.")

    class Meta:
        model = ItemProposalUpload
        fields = ["id", "file_name", "status", "row_count", "proposed_count", "items", "errors", "created_at", "processed_at", "job"]

    @extend_schema_field(ItemUploadProposalSerializer(many=True))
    def get_items(self, obj):
        made = {row["id"]: row["row"] for row in obj.proposals}
        found = ItemProposal.objects.filter(pk__in=made).values_list("pk", "vendor_sku", "gtin")
        return sorted(({"row": made[pk], "id": pk, "vendor_sku": sku, "gtin": gtin} for pk, sku, gtin in found), key=lambda item: item["row"])

    @extend_schema_field(JobSerializer(allow_null=True))
    def get_job(self, obj):
        job = Job.objects.filter(target_type=item_uploads.UPLOAD_TARGET, target_id=str(obj.pk)).order_by("-created_at").first()
        return JobSerializer(job).data if job else None
