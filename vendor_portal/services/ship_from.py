"""Every write to a vendor's ship-from addresses. The screens and /api/v1/ship-from-addresses/ both call these.

A ship-from address is never deleted: shipments keep pointing at the place they left from. Retiring one takes
it out of every choice for new shipments (ship plans, confirmations through any door) and keeps its code taken."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, ForbiddenError, InvalidTransitionError, NotFoundError, field_error
from vendor_portal.models import ShipFromAddress
from vendor_portal.services.audit import Actor, audit_record, snapshot

AUDITED_FIELDS = ["code", *ShipFromAddress.EDITABLE_FIELDS, "retired_at"]
REQUIRED_FIELDS = ["name", "line1", "city", "postal_code", "country_code"]


def _vendor(scope):
    if scope is None or scope.vendor is None:
        raise ForbiddenError(_("Ship-from addresses belong to a vendor."))
    return scope.vendor


def _normalized(values: dict) -> dict:
    cleaned = {}
    for name, value in values.items():
        value = "" if value is None else str(value).strip()
        if name in ("code", "country_code"):
            value = value.upper()
        if name == "gln":
            value = value.replace(" ", "")
        cleaned[name] = value
    return cleaned


def _validation_errors(address: ShipFromAddress, names) -> list:
    """The model's own field rules (lengths, code and GLN formats) plus what the columns cannot say."""
    errors = []
    try:
        address.full_clean(exclude=[field.name for field in address._meta.fields if field.name not in names], validate_constraints=False)
    except ValidationError as error:
        for name, problems in error.error_dict.items():
            errors += [field_error(None, name, " ".join(problem.messages), problem.code or "invalid") for problem in problems]
    reported = {error.field for error in errors}
    for name in names:
        if name in REQUIRED_FIELDS and not getattr(address, name) and name not in reported:
            errors.append(field_error(None, name, _("This field is required."), "required"))
            reported.add(name)
    if "country_code" in names and "country_code" not in reported:
        country = address.country_code
        if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
            errors.append(field_error(None, "country_code", _("Use the two-letter ISO country code, e.g. US or DE."), "invalid"))
    return errors


def _duplicate_code_error(code: str):
    return field_error(
        None,
        "code",
        _("Ship-from code %(code)s is already used (perhaps by a retired address): choose another.") % {"code": code},
        "duplicate",
    )


def _locked(scope, address_id) -> ShipFromAddress:
    address = ShipFromAddress.objects.visible_to(scope).select_for_update().filter(pk=address_id).first()
    if address is None:
        raise NotFoundError(_("No such ship-from address."))
    return address


def ship_from_address_create(*, scope, actor: Actor, code: str, **fields) -> ShipFromAddress:
    """Add a ship-from address; its `code` is what shipment confirmations name as the ship-from party."""
    vendor = _vendor(scope)
    unknown = set(fields) - set(ShipFromAddress.EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not a ship-from field: {sorted(unknown)}")
    values = _normalized({"code": code, **{name: fields.get(name, "") for name in ShipFromAddress.EDITABLE_FIELDS}})
    address = ShipFromAddress(vendor=vendor, **values)
    errors = _validation_errors(address, values)
    if not errors and ShipFromAddress.objects.for_vendor(vendor).filter(code=values["code"]).exists():
        errors.append(_duplicate_code_error(values["code"]))
    if errors:
        raise DomainValidationError(_("The ship-from address has errors; nothing was saved."), errors=errors)
    try:
        with transaction.atomic():
            address.save()
            audit_record(actor=actor, action="ship_from_address.create", obj=address, after=snapshot(address, AUDITED_FIELDS))
    except IntegrityError:  # someone added the same code a moment ago
        raise DomainValidationError(
            _("The ship-from address has errors; nothing was saved."), errors=[_duplicate_code_error(values["code"])]
        ) from None
    return address


def ship_from_address_update(*, scope, address_id: int, actor: Actor, **changes) -> ShipFromAddress:
    """Change a ship-from address's name, postal address or GLN. The code stays: confirmations already sent
    and the shipments listed by it name it, so a new code is a new address (and the old one is retired)."""
    _vendor(scope)
    allowed = {"code", *ShipFromAddress.EDITABLE_FIELDS}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"not a ship-from field: {sorted(unknown)}")
    values = _normalized(changes)
    with transaction.atomic():
        address = _locked(scope, address_id)
        if address.is_retired:
            raise InvalidTransitionError(_("Ship-from address %(code)s is retired: it can no longer be changed.") % {"code": address.code})
        if "code" in values and values.pop("code") != address.code:
            raise DomainValidationError(
                _("The ship-from address has errors; nothing was saved."),
                errors=[
                    field_error(
                        None, "code", _("A ship-from code cannot change: add an address with the new code and retire this one."), "code_immutable"
                    )
                ],
            )
        changed = [name for name, value in values.items() if getattr(address, name) != value]
        if not changed:
            return address
        before = snapshot(address, AUDITED_FIELDS)
        for name in changed:
            setattr(address, name, values[name])
        errors = _validation_errors(address, changed)
        if errors:
            raise DomainValidationError(_("The ship-from address has errors; nothing was saved."), errors=errors)
        address.save(update_fields=changed)
        audit_record(actor=actor, action="ship_from_address.change", obj=address, before=before, after=snapshot(address, AUDITED_FIELDS))
    return address


def ship_from_address_retire(*, scope, address_id: int, actor: Actor) -> ShipFromAddress:
    """Take a ship-from address out of use. Shipments that left from it keep it; new ones cannot name it."""
    _vendor(scope)
    with transaction.atomic():
        address = _locked(scope, address_id)
        if address.is_retired:
            raise InvalidTransitionError(_("Ship-from address %(code)s is already retired.") % {"code": address.code})
        before = snapshot(address, AUDITED_FIELDS)
        address.retired_at = timezone.now()
        address.save(update_fields=["retired_at"])
        audit_record(actor=actor, action="ship_from_address.retire", obj=address, before=before, after=snapshot(address, AUDITED_FIELDS))
    return address
