"""Compiles the portal's own schematron (rules/peppol-bis-3/peppol-bis-3-core.sch) into the XSLT the validator
runs, with the ISO schematron skeleton for XSLT 1.0 that lxml ships. The rules are XPath 1.0, so the same
compiled stylesheet runs in lxml and in Saxon; the validator runs it in Saxon beside the CEN stylesheet.

    python -m invoicing.einvoices.compile_rules      # rewrites peppol-bis-3-core.xslt

A test compiles again and compares, so the shipped XSLT cannot drift from the .sch.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree, isoschematron

RULES = Path(__file__).resolve().parent / "rules"
PEPPOL_SCH = RULES / "peppol-bis-3" / "peppol-bis-3-core.sch"
PEPPOL_XSLT = RULES / "peppol-bis-3" / "peppol-bis-3-core.xslt"


def compiled(sch: Path = PEPPOL_SCH) -> bytes:
    """The schematron as an XSLT 1.0 stylesheet that writes an SVRL report (every failed assert, with its id and flag)."""
    schematron = isoschematron.Schematron(etree.parse(str(sch)), store_xslt=True, store_report=False)
    return etree.tostring(schematron.validator_xslt, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def main() -> None:
    PEPPOL_XSLT.write_bytes(compiled())
    print(f"wrote {PEPPOL_XSLT}")


if __name__ == "__main__":
    main()
