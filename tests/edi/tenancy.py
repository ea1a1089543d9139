"""EDI objects of vendor A for the every-route tenancy walk (tests/vendor_portal/test_tenancy_walk.py)."""

from tests.audit_check import audit_exempt

ACME_SECRET_X12 = (
    "ISA*00*          *00*          *ZZ*ACMESECRET     *ZZ*NORTHWIND      *240305*0800*U*00401*000000001*0*P*>~"
    "GS*PR*ACMESECRET*NORTHWIND*20240305*0800*1*X*004010~ST*855*0001~BAK*00*AC*ACMESECRET1*20240304~CTT*0~SE*4*0001~GE*1*1~IEA*1*000000001~"
)


def build(world, vendor):
    from edi.models import Direction, Interchange, InterchangeSource, InterchangeStatus, TradingPartner

    with audit_exempt():
        partner = TradingPartner.objects.create(vendor=vendor, isa_qualifier="ZZ", isa_id="ACMESECRET", name="ACME-SECRET EDI")
        world["edi_partner"] = partner
        world["edi_interchange"] = Interchange.objects.create(
            vendor=vendor,
            partner=partner,
            direction=Direction.INBOUND,
            status=InterchangeStatus.REJECTED,
            source=InterchangeSource.API,
            filename="ACMESECRET.edi",
            control_number="000000001",
            sender_qualifier="ZZ",
            sender_id="ACMESECRET",
            receiver_qualifier="ZZ",
            receiver_id="NORTHWIND",
            set_ids="855",
            problems=[{"level": "set", "code": "5", "message": "ACMESECRET1 not found"}],
            problem_count=1,
            first_problem="ACMESECRET1 not found",
            content=ACME_SECRET_X12,
        )


# URL name -> kwargs for vendor A's object. Every EDI route that takes arguments.
URL_KWARGS: dict = {
    "edi_interchange_detail": lambda w: {"pk": w["edi_interchange"].pk},
    "edi_interchange_raw": lambda w: {"pk": w["edi_interchange"].pk},
    "edi_interchange_progress": lambda w: {"pk": w["edi_interchange"].pk},
    "edi_partner_set_active": lambda w: {"pk": w["edi_partner"].pk},
    "edi-interchange-detail": lambda w: {"pk": w["edi_interchange"].pk},
    "edi-interchange-raw": lambda w: {"pk": w["edi_interchange"].pk},
    "edi-interchange-problems": lambda w: {"pk": w["edi_interchange"].pk},
    "edi-partner-detail": lambda w: {"pk": w["edi_partner"].pk},
}
