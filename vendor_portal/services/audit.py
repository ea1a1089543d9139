"""Audit trail writes. Every service calls `audit_record` inside the same transaction as its change."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.functional import Promise

from vendor_portal.models import AuditEvent, Channel


@dataclass(frozen=True)
class Actor:
    """Who is acting and through which door: a person on the web, a token on the API or EDI, or the system."""

    user: object | None = None
    token: object | None = None
    channel: str = Channel.WEB
    request_id: str = ""

    @classmethod
    def system(cls) -> Actor:
        return cls(channel=Channel.SYSTEM)

    @classmethod
    def from_request(cls, request, channel: str | None = None) -> Actor:
        """The door's view names its channel (the API's base view says API, EDI's views EDI); otherwise a
        token means the API and a person the screens."""
        token = getattr(request, "auth_token", None)
        user = request.user if getattr(request.user, "pk", None) and not token else None
        if channel is None:
            channel = Channel.API if token else Channel.WEB
        return cls(user=user, token=token, channel=channel, request_id=getattr(request, "request_id", ""))

    def job_params(self) -> dict:
        """Who asked, as a job's params keep it, so the worker acts as them (`from_job_params`)."""
        return {
            "user_id": self.user.pk if self.user is not None else None,
            "token_id": self.token.pk if self.token is not None else None,
            "channel": self.channel,
            "request_id": self.request_id,
        }

    @classmethod
    def from_job_params(cls, params: dict, channel: str | None = None) -> Actor:
        from django.contrib.auth import get_user_model

        from vendor_portal.models import ApiToken

        return cls(
            user=get_user_model().objects.filter(pk=params["user_id"]).first() if params.get("user_id") else None,
            token=ApiToken.objects.filter(pk=params["token_id"]).first() if params.get("token_id") else None,
            channel=channel or params.get("channel") or Channel.WEB,
            request_id=params.get("request_id", ""),
        )

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.get_username()
        if self.token is not None:
            return f"token:{self.token.name}"
        return "system"


def to_jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Promise):  # a lazily translated label
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    return value


def snapshot(obj, fields: list[str] | None = None) -> dict:
    """The audited state of an object: its concrete fields (foreign keys by id)."""
    if fields is None:
        fields = [f.attname for f in obj._meta.concrete_fields]
    return {name: to_jsonable(getattr(obj, name)) for name in fields}


def audit_event(*, actor: Actor, action: str, obj, vendor=None, before: dict | None = None, after: dict | None = None) -> AuditEvent:
    """The row `audit_record` saves, unsaved: for a service that writes many objects with bulk_create and their
    audit rows with one `AuditEvent.objects.bulk_create`, in the same transaction."""
    if vendor is None:
        vendor_id = getattr(obj, "vendor_id", None)
    else:
        vendor_id = vendor.pk
    return AuditEvent(
        actor=actor.user,
        actor_token=actor.token,
        actor_label=actor.label,
        channel=actor.channel,
        vendor_id=vendor_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=to_jsonable(before) if before is not None else None,
        after=to_jsonable(after) if after is not None else None,
        request_id=actor.request_id,
    )


def audit_record(*, actor: Actor, action: str, obj, vendor=None, before: dict | None = None, after: dict | None = None) -> AuditEvent:
    event = audit_event(actor=actor, action=action, obj=obj, vendor=vendor, before=before, after=after)
    event.save(force_insert=True)
    return event
