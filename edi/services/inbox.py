"""The watched folder: every *.edi file claimed, received and moved to done/ or error/ (Celery beat)."""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from edi import edifact
from edi.x12.core import decode, parse_envelope
from vendor_portal.errors import PortalError
from vendor_portal.models import Channel, Vendor
from vendor_portal.services.audit import Actor

from ..models import InterchangeSource, InterchangeStatus, TradingPartner
from .inbound import edi_limits, edi_receive
from .partners import edi_setting

logger = logging.getLogger(__name__)

# A file claimed by a worker that died is picked up again after this long.
STALE_CLAIM_SECONDS = 15 * 60
INBOX_SUFFIXES = (".edi", ".x12", ".edifact")


@dataclass
class InboxResult:
    processed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _vendor_for_file(path: Path, folder_vendor: Vendor | None, head: str) -> Vendor | None:
    if folder_vendor is not None:
        return folder_vendor
    if edifact.looks_like_edifact(head):
        # The UNB alone (everything before the first message) names the sender's GLN.
        envelope = edifact.parse_interchange(head[: head.find("UNH")] if "UNH" in head else head)
        if not envelope.sender_id:
            return None
        partner = TradingPartner.objects.filter(gln=envelope.sender_id, is_active=True).exclude(gln="").select_related("vendor").first()
        return partner.vendor if partner else None
    ix = parse_envelope(head[:200]) if head.startswith("ISA") else None
    if ix is None or not ix.sender_id:
        return None
    partner = TradingPartner.objects.filter(isa_qualifier=ix.sender_qualifier, isa_id=ix.sender_id, is_active=True).select_related("vendor").first()
    return partner.vendor if partner else None


def _claim(path: Path, folder: Path) -> Path | None:
    """Move the file into processing/ under a unique name. The rename is atomic: of two workers,
    exactly one gets it."""
    processing = folder / "processing"
    processing.mkdir(exist_ok=True)
    claimed = processing / f"{uuid.uuid4().hex[:12]}-{path.name}"
    try:
        os.rename(path, claimed)
    except FileNotFoundError:
        return None
    os.utime(claimed)  # the claim time, to spot claims of a worker that died
    return claimed


def _finish(claimed: Path, folder: Path, outcome: str) -> Path:
    target = folder / outcome
    target.mkdir(exist_ok=True)
    destination = target / claimed.name
    os.replace(claimed, destination)
    return destination


def _release_stale_claims(folder: Path) -> None:
    processing = folder / "processing"
    if not processing.is_dir():
        return
    cutoff = time.time() - STALE_CLAIM_SECONDS
    for claimed in processing.iterdir():
        try:
            if claimed.is_file() and claimed.stat().st_mtime < cutoff:
                # The original name comes back; a resend of what was already stored is a duplicate ISA13.
                os.rename(claimed, folder / claimed.name.split("-", 1)[-1])
        except FileNotFoundError:
            continue


def _inbox_folders(inbox: Path) -> list[tuple[Path, Vendor | None]]:
    folders: list[tuple[Path, Vendor | None]] = [(inbox, None)]
    vendors = {vendor.code: vendor for vendor in Vendor.objects.filter(is_active=True)}
    for child in sorted(inbox.iterdir()):
        if child.is_dir() and child.name in vendors:
            folders.append((child, vendors[child.name]))
    return folders


def edi_inbox_poll(*, inbox_dir: str | Path | None = None) -> InboxResult:
    """Receive every *.edi file in the inbox: <inbox>/<VENDORCODE>/*.edi belongs to that vendor; a file
    straight in <inbox> belongs to the vendor whose trading partner its ISA sender is. Each file is
    claimed (renamed into processing/), received, then moved to done/ or error/; running twice is harmless."""
    inbox = Path(inbox_dir or edi_setting("EDI_INBOX_DIR"))
    result = InboxResult()
    if not inbox.is_dir():
        return result
    for folder, folder_vendor in _inbox_folders(inbox):
        _release_stale_claims(folder)
        for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in INBOX_SUFFIXES):
            claimed = _claim(path, folder)
            if claimed is None:
                continue
            outcome = "error"
            try:
                max_bytes = edi_limits()[0]
                if claimed.stat().st_size > max_bytes:
                    logger.warning("EDI inbox: %s is larger than %s bytes", path, max_bytes)
                else:
                    content = claimed.read_bytes()
                    vendor = _vendor_for_file(path, folder_vendor, decode(content[:1000]))
                    if vendor is None:
                        logger.warning("EDI inbox: no vendor for %s (unknown ISA sender)", path)
                    else:
                        interchange = edi_receive(
                            vendor=vendor, content=content, actor=Actor(channel=Channel.EDI), source=InterchangeSource.FOLDER, filename=path.name
                        )
                        outcome = "error" if interchange.status == InterchangeStatus.REJECTED else "done"
            except PortalError as error:
                logger.warning("EDI inbox: %s refused: %s", path, error.message)
            finally:
                _finish(claimed, folder, outcome)
            (result.processed if outcome == "done" else result.failed).append(path.name)
    return result
