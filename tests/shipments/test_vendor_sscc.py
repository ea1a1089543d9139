"""ASNs whose cartons and pallets come labelled by the vendor's own system: the SSCCs are stored and
printed exactly as given, each one checked, and the portal allocates none of its own for them."""

import copy
import datetime

import pypdfium2
import pytest
import zxingcpp
from django.utils import timezone

from shipments.labels import PRINTER_DPI
from shipments.models import AsnType, Carton, Pallet, Shipment, ShipmentState, SsccCounter
from shipments.services.confirmations import ConfirmedCarton, ConfirmedPallet, ShipmentConfirmationInput, shipment_create_from_confirmation
from shipments.services.labels import shipment_labels_document, shipment_labels_render, shipment_labels_request
from shipments.services.plans import ShipPlanInput, ShipPlanLine, shipment_create
from shipments.services.sscc import sscc_allocate
from tests.factories import vendor_user
from tests.shipments.factories import confirmed_purchase_order, ship_from
from vendor_portal.errors import DomainValidationError, InvalidTransitionError
from vendor_portal.gs1 import sscc_build
from vendor_portal.models import AuditEvent
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def scope(vendor):
    return Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))


@pytest.fixture
def actor(vendor):
    return Actor(user=vendor_user(vendor, Role.VENDOR_OPS))


def sscc(vendor, serial, extension=3):
    return sscc_build(extension_digit=extension, company_prefix=vendor.gs1_company_prefix, serial=serial)


def confirmation(po, *, cartons_per_line=2, identifier="ERP-ASN-1", first_serial=500, per_carton=None, pallets=True, **fields):
    """Every line of `po` shipped in full, in `cartons_per_line` cartons each, all on one pallet."""
    vendor = po.vendor
    lines, cartons = [], []
    serial = first_serial
    for line in po.lines.order_by("sequence"):
        quantity = line.open_to_ship
        lines.append(ShipPlanLine(purchase_order_line_id=line.pk, quantity=quantity))
        share = per_carton or quantity // cartons_per_line
        for n in range(cartons_per_line):
            packed = share if n < cartons_per_line - 1 else quantity - share * (cartons_per_line - 1)
            cartons.append(ConfirmedCarton(sscc=sscc(vendor, serial), items=[ShipPlanLine(line.pk, packed)], tracking_number=f"1Z{serial}"))
            serial += 1
    given_pallets = [ConfirmedPallet(sscc=sscc(vendor, serial), cartons=list(range(len(cartons))))] if pallets else []
    defaults = {
        "ship_to": po.ship_to.code,
        "shipment_identifier": identifier,
        "ship_date": timezone.localdate() - datetime.timedelta(days=0),
        "lines": lines,
        "transport_mode": "ltl",
        "bol_number": "BOL-77",
        "carrier_scac": "ABFS",
        "cartons": cartons,
        "pallets": given_pallets,
    }
    return ShipmentConfirmationInput(**{**defaults, **fields})


def scanned_ssccs(path) -> list[str]:
    """The SSCCs a reader finds on the labels at the printer's 203 dpi (GS1-128 reads as "00" + 18 digits)."""
    pdf = pypdfium2.PdfDocument(path)
    found = []
    for page in pdf:
        image = page.render(scale=PRINTER_DPI / 72, grayscale=True).to_pil()
        found += [
            b.text[2:] for b in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain) if len(b.text) == 20 and b.text.startswith("00")
        ]
    pdf.close()
    return found


def all_ssccs(shipment):
    return list(shipment.cartons.order_by("index").values_list("sscc", flat=True)) + list(
        shipment.pallets.order_by("index").values_list("sscc", flat=True)
    )


def test_asn_keeps_exactly_the_given_ssccs_and_allocates_none(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=60)
    ship_from(vendor)
    data = confirmation(po)

    shipment = shipment_create_from_confirmation(scope=scope, data=data, actor=actor)

    assert shipment.state == ShipmentState.SUBMITTED and shipment.asn_type == AsnType.ORIGINAL
    assert all_ssccs(shipment) == [c.sscc for c in data.cartons] + [p.sscc for p in data.pallets]
    assert list(shipment.cartons.values_list("tracking_number", flat=True)) == [c.tracking_number for c in data.cartons]
    assert all(carton.pallet_id == shipment.pallets.get().pk for carton in shipment.cartons.all())
    assert not SsccCounter.objects.filter(vendor=vendor).exists()  # extension 3: the portal's range is untouched
    assert not AuditEvent.objects.filter(vendor=vendor, action="sscc_counter.allocate").exists()
    assert list(po.lines.order_by("sequence").values_list("shipped_quantity", flat=True)) == [60, 60]


def test_given_ssccs_in_the_portals_range_move_the_counter_past_them(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    ship_from(vendor)
    data = confirmation(po, cartons_per_line=2, pallets=False)
    data.cartons = [ConfirmedCarton(sscc=sscc(vendor, 40 + i, extension=0), items=c.items) for i, c in enumerate(data.cartons)]

    shipment_create_from_confirmation(scope=scope, data=data, actor=actor)

    assert SsccCounter.objects.get(vendor=vendor).next_serial == 42
    other = confirmed_purchase_order(vendor, lines=1, quantity=6, warehouse=po.ship_to)
    planned = shipment_create(
        scope=scope,
        data=ShipPlanInput(
            ship_to=po.ship_to.code,
            shipment_identifier="PLAN-2",
            ship_date=timezone.localdate(),
            bol_number="B",
            lines=[ShipPlanLine(other.lines.get().pk, 6)],
        ),
        actor=actor,
    )
    assert planned.cartons.get().sscc == sscc(vendor, 42, extension=0)


def test_labels_print_exactly_the_given_ssccs(vendor, scope, actor, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    ship_from(vendor)
    data = confirmation(po, cartons_per_line=2)
    shipment = shipment_create_from_confirmation(scope=scope, data=data, actor=actor)

    document = shipment_labels_document(scope=scope, shipment_id=shipment.pk, actor=actor)

    assert scanned_ssccs(document.file.path) == all_ssccs(shipment)
    assert shipment_labels_document(scope=scope, shipment_id=shipment.pk, actor=actor).pk == document.pk  # stored, not re-rendered


def _wrong_check_digit(vendor, data):
    good = data.cartons[0].sscc
    data.cartons[0].sscc = good[:-1] + str((int(good[-1]) + 1) % 10)
    return "cartons[0].sscc", "sscc_check_digit"


def _other_prefix(vendor, data):
    data.cartons[1].sscc = sscc_build(extension_digit=3, company_prefix="0999999", serial=7)
    return "cartons[1].sscc", "sscc_company_prefix"


def _not_eighteen_digits(vendor, data):
    data.pallets[0].sscc = "12345"
    return "pallets[0].sscc", "sscc_format"


def _twice_in_payload(vendor, data):
    data.pallets[0].sscc = data.cartons[0].sscc
    return "pallets[0].sscc", "sscc_duplicate"


def _over_shipped(vendor, data):
    data.lines[0].quantity += 6
    data.cartons[0].items[0].quantity += 6
    return "lines[0].quantity", "over_shipped"


def _cartons_do_not_add_up(vendor, data):
    data.cartons[0].items[0].quantity -= 1
    return "lines[0].quantity", "cartons_do_not_add_up"  # the shipped line its cartons do not add up to


def _shipped_tomorrow(vendor, data):
    data.ship_date = timezone.localdate() + datetime.timedelta(days=2)
    return "ship_date", "shipped_in_future"


def _missing_tracking_for_small_parcel(vendor, data):
    data.transport_mode = "small_parcel"
    data.cartons[0].tracking_number = ""
    return "cartons[0].tracking_number", "tracking_required"


@pytest.mark.parametrize(
    "spoil",
    [
        _wrong_check_digit,
        _other_prefix,
        _not_eighteen_digits,
        _twice_in_payload,
        _over_shipped,
        _cartons_do_not_add_up,
        _shipped_tomorrow,
        _missing_tracking_for_small_parcel,
    ],
)
def test_a_bad_confirmation_is_refused_naming_the_field_and_saves_nothing(vendor, scope, actor, spoil):
    po = confirmed_purchase_order(vendor, lines=2, quantity=60)
    ship_from(vendor)
    data = confirmation(po)
    field, code = spoil(vendor, data)
    audit_rows = AuditEvent.objects.count()

    with pytest.raises(DomainValidationError) as raised:
        shipment_create_from_confirmation(scope=scope, data=data, actor=actor)

    assert {"field": field, "code": code} in [{"field": e["field"], "code": e["code"]} for e in raised.value.as_error_list()]
    assert not Shipment.objects.exists() and not Carton.objects.exists() and not Pallet.objects.exists()
    assert list(po.lines.values_list("shipped_quantity", flat=True)) == [0, 0]
    assert AuditEvent.objects.count() == audit_rows


def test_an_sscc_used_by_an_earlier_shipment_is_refused(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=60)
    ship_from(vendor)
    first = shipment_create_from_confirmation(scope=scope, data=confirmation(po, cartons_per_line=2), actor=actor)
    reused = first.cartons.order_by("index").first().sscc
    second_po = confirmed_purchase_order(vendor, lines=1, quantity=60, warehouse=po.ship_to)
    data = confirmation(second_po, identifier="ERP-ASN-2", first_serial=900)
    data.cartons[1].sscc = reused

    with pytest.raises(DomainValidationError) as raised:
        shipment_create_from_confirmation(scope=scope, data=data, actor=actor)

    assert ("cartons[1].sscc", "sscc_reused") in [(e["field"], e["code"]) for e in raised.value.as_error_list()]
    assert Shipment.objects.count() == 1


def test_a_portal_allocated_sscc_counts_as_used(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=6)
    ship_from(vendor)
    sscc_allocate(vendor=vendor, count=5, actor=actor)
    data = confirmation(po, cartons_per_line=1, pallets=False)
    data.cartons[0].sscc = sscc(vendor, 2, extension=0)  # allocated above, even though no carton holds it now

    with pytest.raises(DomainValidationError) as raised:
        shipment_create_from_confirmation(scope=scope, data=data, actor=actor)
    assert [e["code"] for e in raised.value.as_error_list()] == ["sscc_reused"]


def test_without_cartons_the_portal_cartonizes_with_its_own_ssccs(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    ship_from(vendor)
    data = confirmation(po, pallets=False)
    data.cartons = []

    shipment = shipment_create_from_confirmation(scope=scope, data=data, actor=actor)

    assert shipment.cartons.count() == 2 and shipment.state == ShipmentState.SUBMITTED
    assert all(s.startswith("0" + vendor.gs1_company_prefix) for s in all_ssccs(shipment))


def test_replace_lowers_quantities_and_replaces_the_cartons(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=60)
    ship_from(vendor)
    given = confirmation(po)
    original = shipment_create_from_confirmation(scope=scope, data=given, actor=actor)
    kept = all_ssccs(original)
    data = copy.deepcopy(given)  # the same SSCCs are allowed again on the same ASN
    data.asn_type = AsnType.REPLACE
    data.lines[0].quantity = 48
    data.cartons[1].items[0].quantity = 18

    replaced = shipment_create_from_confirmation(scope=scope, data=data, actor=actor)

    assert replaced.pk == original.pk and replaced.asn_type == AsnType.REPLACE and replaced.asn_revision == 2
    assert all_ssccs(replaced) == kept
    assert list(po.lines.order_by("sequence").values_list("shipped_quantity", flat=True)) == [48, 60]
    assert AuditEvent.objects.filter(action="shipment.replace", object_id=str(original.pk)).exists()


def test_replace_may_not_raise_a_quantity_nor_add_a_line(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=60)
    ship_from(vendor)
    given = confirmation(po, identifier="R1")
    shipment_create_from_confirmation(scope=scope, data=given, actor=actor)
    other = confirmed_purchase_order(vendor, lines=1, quantity=6, warehouse=po.ship_to)
    data = copy.deepcopy(given)
    data.asn_type = AsnType.REPLACE
    data.lines.append(ShipPlanLine(other.lines.get().pk, 6))
    data.cartons[0].items.append(ShipPlanLine(other.lines.get().pk, 6))

    with pytest.raises(DomainValidationError) as raised:
        shipment_create_from_confirmation(scope=scope, data=data, actor=actor)
    assert [e["code"] for e in raised.value.as_error_list()] == ["line_added"]


def test_replace_after_receiving_started_is_refused(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    ship_from(vendor)
    shipment = shipment_create_from_confirmation(scope=scope, data=confirmation(po), actor=actor)
    Shipment.objects.filter(pk=shipment.pk).update(state=ShipmentState.RECEIVING)

    with pytest.raises(InvalidTransitionError):
        shipment_create_from_confirmation(scope=scope, data=confirmation(po, asn_type=AsnType.REPLACE), actor=actor)


def test_another_vendors_asn_cannot_be_replaced(vendor, other_vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    ship_from(vendor)
    shipment_create_from_confirmation(scope=scope, data=confirmation(po, identifier="SHARED"), actor=actor)
    other_scope = Scope(vendor=other_vendor, roles=frozenset({Role.VENDOR_OPS}))
    other_po = confirmed_purchase_order(other_vendor, lines=1, quantity=12)

    with pytest.raises(DomainValidationError) as raised:
        shipment_create_from_confirmation(
            scope=other_scope,
            data=confirmation(other_po, identifier="SHARED", asn_type=AsnType.REPLACE),
            actor=Actor(user=vendor_user(other_vendor, Role.VENDOR_OPS)),
        )
    assert [e["code"] for e in raised.value.as_error_list()] == ["replace_unknown"]


def test_the_label_job_prints_the_given_ssccs_too(vendor, scope, actor, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    ship_from(vendor)
    shipment = shipment_create_from_confirmation(scope=scope, data=confirmation(po, cartons_per_line=2), actor=actor)
    job = shipment_labels_request(scope=scope, shipment_id=shipment.pk, actor=actor)

    finished = shipment_labels_render(job_id=job.pk)

    assert scanned_ssccs(finished.result.file.path) == all_ssccs(shipment)
