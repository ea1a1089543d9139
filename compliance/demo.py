"""The demo compliance programme for `manage.py seed_demo`: version 1 of the US and DE rate cards, in force
since eight weeks ago, modelled on the public anchors (Amazon's on-time fee and its 90% waiver, the not-filled
fee at 5% of cost, Walmart's 3% below 98% OTIF, flat ASN and appointment fees). Idempotent: a marketplace that
has a rate card gets none."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from vendor_portal.models import Marketplace
from vendor_portal.services.audit import Actor, audit_record

from .measures import week_start
from .models import Comparison, FeeType, Measure, RateCard, RateCardRule, RateCardStatus, ViolationKind, Waiver

# violation, measure, threshold, trailing weeks, fee type, fee (a percent, or an amount in the marketplace's currency), weekly cap
RULES = [
    (ViolationKind.LATE_SHIPMENT, Measure.ON_TIME_RATE, "100", 1, FeeType.PERCENT_OF_COGS, "3", None),
    (ViolationKind.NOT_FILLED, Measure.FILL_RATE, "100", 1, FeeType.PERCENT_OF_COGS, "5", None),
    (ViolationKind.OTIF, Measure.OTIF, "98", 1, FeeType.PERCENT_OF_COGS, "3", None),
    (ViolationKind.ASN_LATE, Measure.VIOLATIONS, "0", 1, FeeType.FLAT, "50", "500"),
    (ViolationKind.ASN_MISMATCH, Measure.VIOLATIONS, "0", 1, FeeType.PER_UNIT, "2", "1000"),
    (ViolationKind.APPOINTMENT, Measure.VIOLATIONS, "0", 1, FeeType.FLAT, "150", None),
    (ViolationKind.LABEL, Measure.LABEL_COMPLIANCE, "98", 4, FeeType.FLAT, "5", None),
]


def seed(world) -> str:
    made = []
    start = week_start(timezone.now().astimezone(datetime.UTC).date()) - datetime.timedelta(weeks=8)
    for marketplace in Marketplace.objects.filter(code__in=("US", "DE")).order_by("code"):
        if RateCard.objects.filter(marketplace=marketplace).exists():
            continue
        with transaction.atomic():
            card = RateCard.objects.create(
                marketplace=marketplace,
                version=1,
                status=RateCardStatus.PUBLISHED,
                effective_from=start,
                currency=marketplace.currency,
                note="Demo programme",
                published_at=timezone.now(),
            )
            for violation, measure, threshold, weeks, fee_type, fee, cap in RULES:
                rule = RateCardRule.objects.create(
                    rate_card=card,
                    violation=violation,
                    measure=measure,
                    threshold=Decimal(threshold),
                    trailing_weeks=weeks,
                    fee_type=fee_type,
                    fee_amount=Decimal(fee),
                    weekly_cap=Decimal(cap) if cap else None,
                )
                if violation == ViolationKind.LATE_SHIPMENT:
                    Waiver.objects.create(
                        rule=rule, measure=Measure.ON_TIME_RATE, comparison=Comparison.ABOVE, threshold=Decimal("90"), trailing_weeks=4
                    )
            audit_record(
                actor=Actor.system(), action="rate_card.publish", obj=card, after={"version": 1, "effective_from": start.isoformat(), "demo": True}
            )
        made.append(marketplace.code)
    return f"rate cards: {', '.join(made) or 'already there'}"
