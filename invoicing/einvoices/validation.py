"""Checks an e-invoice against the official schema (XSD) and business rules (compiled schematron).

The rule files are shipped in `rules/` (see its README for owners and licences). The schematron rules
are XSLT 2.0, which lxml cannot run: Saxon-HE (saxonche) runs them. Compiling a stylesheet takes a
fraction of a second, so each process compiles each one once. Validation runs in the worker, never on
the request path.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

RULES = Path(__file__).resolve().parent / "rules"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


@dataclass(frozen=True)
class RuleProblem:
    """One broken rule: its identifier (BR-CO-15, or XSD for the schema), where, and what it says."""

    rule: str
    location: str
    message: str
    fatal: bool = True


@dataclass(frozen=True)
class RuleSet:
    """The schema and the compiled schematron stylesheets one e-invoice syntax is checked against."""

    name: str
    schemas: dict[str, Path]  # root element's Clark name -> XSD
    stylesheets: tuple[Path, ...]


FACTUR_X_EN16931 = RuleSet(
    name="Factur-X EN 16931",
    schemas={
        "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice": RULES / "factur-x-en16931" / "Factur-X_EN16931.xsd",
    },
    stylesheets=(RULES / "factur-x-en16931" / "FACTUR-X_EN16931.xslt",),
)
UBL_EN16931 = RuleSet(
    name="UBL 2.1 EN 16931",
    schemas={
        "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": RULES / "ubl-2.1" / "maindoc" / "UBL-Invoice-2.1.xsd",
        "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": RULES / "ubl-2.1" / "maindoc" / "UBL-CreditNote-2.1.xsd",
    },
    stylesheets=(RULES / "ubl-2.1" / "EN16931-UBL-validation.xslt",),
)
# Peppol BIS Billing 3.0: UBL 2.1 with the CEN rules and Peppol's own. The official Peppol rule file is not
# published where this project installs from, so the Peppol stylesheet is our restatement of its rules that
# bind the portal's documents (rules/peppol-bis-3/README.md), compiled from peppol-bis-3-core.sch.
PEPPOL_BIS3 = RuleSet(
    name="Peppol BIS Billing 3.0",
    schemas=UBL_EN16931.schemas,
    stylesheets=(*UBL_EN16931.stylesheets, RULES / "peppol-bis-3" / "peppol-bis-3-core.xslt"),
)

_saxon_lock = threading.Lock()  # Saxon/C is not to be entered from two threads at once


@cache
def _xml_schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


@cache
def _saxon():
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@cache
def _stylesheet(path: Path):
    return _saxon().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))


def parse(xml: bytes) -> etree._Element:
    """The document's root; refuses DTDs, entities and network access (the file comes from outside)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(xml, parser)


def schema_problems(xml: bytes, rules: RuleSet) -> list[RuleProblem]:
    try:
        root = parse(xml)
    except etree.XMLSyntaxError as error:
        return [RuleProblem("XML", f"line {error.lineno}", str(error.msg))]
    schema_path = rules.schemas.get(root.tag)
    if schema_path is None:
        expected = ", ".join(tag.split("}")[-1] for tag in rules.schemas)
        return [RuleProblem("XSD", "/", f"The document is a {etree.QName(root).localname}, not {expected}.")]
    schema = _xml_schema(schema_path)
    if schema.validate(root):
        return []
    return [RuleProblem("XSD", f"line {error.line}", error.message) for error in schema.error_log]


def schematron_problems(xml: bytes, stylesheet: Path) -> list[RuleProblem]:
    """Runs one compiled schematron and reads its SVRL report: failed asserts and successful reports."""
    with _saxon_lock:
        document = _saxon().parse_xml(xml_text=xml.decode("utf-8"))
        report = _stylesheet(stylesheet).transform_to_string(xdm_node=document)
    problems = []
    for node in parse(report.encode("utf-8")).iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
        text = " ".join("".join(node.find(f"{SVRL}text").itertext()).split()) if node.find(f"{SVRL}text") is not None else ""
        flag = (node.get("flag") or "fatal").lower()
        problems.append(RuleProblem(node.get("id") or "", node.get("location") or "", text, fatal=flag not in ("warning", "information")))
    return problems


def problems(xml: bytes, rules: RuleSet) -> list[RuleProblem]:
    """Every problem the schema finds; if the schema passes, every problem the business rules find."""
    found = schema_problems(xml, rules)
    if found:
        return found
    for stylesheet in rules.stylesheets:
        found.extend(schematron_problems(xml, stylesheet))
    return found


def fatal_problems(xml: bytes, rules: RuleSet) -> list[RuleProblem]:
    return [problem for problem in problems(xml, rules) if problem.fatal]
