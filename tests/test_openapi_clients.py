"""The schema as an integrator uses it: `manage.py spectacular` writes it, openapi-spec-validator finds no
error in it, openapi-python-client generates a client from it whose every module imports, and that client,
holding an API token, lists POs, confirms one line by line and creates and submits an invoice against a
running server."""

import datetime
import importlib
import os
import pkgutil
import re
import subprocess
import sys

import pytest
import yaml
from django.conf import settings
from django.utils import timezone

from tests.factories import api_token
from tests.invoicing.factories import shipped_po
from tests.purchase_orders.factories import purchase_order_with_lines

PACKAGE = "portal_client"
# No post hooks: the generated code is imported as written, not reformatted by a tool on the PATH.
GENERATOR_CONFIG = "post_hooks: []\n"


def _run(*command, cwd):
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, env=os.environ.copy())
    assert result.returncode == 0, f"{command[:4]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yml"
    _run(sys.executable, "manage.py", "spectacular", "--file", str(path), cwd=settings.BASE_DIR)
    return path


@pytest.fixture(scope="module")
def client_package(schema_file, tmp_path_factory):
    """The generated client, importable as `portal_client` while the module's tests run."""
    root = tmp_path_factory.mktemp("client")
    config = root / "config.yml"
    config.write_text(GENERATOR_CONFIG)
    _run(
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        str(schema_file),
        "--output-path",
        str(root / PACKAGE),
        "--meta",
        "none",
        "--config",
        str(config),
        cwd=root,
    )
    sys.path.insert(0, str(root))
    yield importlib.import_module(PACKAGE)
    sys.path.remove(str(root))
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def test_the_schema_has_no_validation_error(schema_file):
    from openapi_spec_validator import OpenAPIV30SpecValidator

    spec = yaml.safe_load(schema_file.read_text())
    errors = [error.message for error in OpenAPIV30SpecValidator(spec).iter_errors()]
    assert errors == []


def test_every_operation_takes_one_request_body_type(schema_file):
    """A body offered as JSON, form and multipart at once makes generated clients guess (and, for
    openapi-python-client, not import): writes are JSON, uploads multipart."""
    spec = yaml.safe_load(schema_file.read_text())
    several = [
        f"{method.upper()} {path}: {sorted(operation['requestBody']['content'])}"
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
        and "requestBody" in operation
        # the EDI upload also takes the raw X12 text, which generators skip
        and len([media for media in operation["requestBody"]["content"] if not media.startswith(("text/", "application/edi"))]) > 1
    ]
    assert several == []


def test_every_authenticated_operation_documents_401_and_429(schema_file):
    spec = yaml.safe_load(schema_file.read_text())
    missing = [
        f"{method.upper()} {path}: {code}"
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and {} not in operation.get("security", [{}])
        for code in ("401", "429")
        if code not in operation["responses"]
    ]
    assert missing == []


def test_every_generated_module_imports(client_package):
    failures, count = [], 0
    for module in pkgutil.walk_packages(client_package.__path__, PACKAGE + "."):
        count += 1
        try:
            importlib.import_module(module.name)
        except Exception as error:  # every failure listed, not only the first
            failures.append(f"{module.name}: {error!r}")
    assert failures == []
    # the webhook endpoints too (a `pk` parameter on `{id}` paths made the generator skip them)
    assert count > 400 and importlib.import_module(f"{PACKAGE}.api.webhooks.api_v1_webhooks_list")


@pytest.mark.django_db(transaction=True)
def test_the_generated_client_lists_confirms_and_invoices(client_package, live_server, vendor):
    from portal_client import AuthenticatedClient, Client
    from portal_client.api.invoices import api_v1_invoices_create, api_v1_invoices_submit_create
    from portal_client.api.purchase_orders import api_v1_purchase_orders_confirmation_create, api_v1_purchase_orders_list
    from portal_client.models import (
        ApiErrors,
        InvoiceInputRequest,
        LineInputRequest,
        PurchaseOrderConfirmationRequest,
        PurchaseOrderLineConfirmationRequest,
        RejectionReasonEnum,
    )

    po = purchase_order_with_lines(vendor, lines=2, quantity=60, number="PO-GEN-1")
    shipped = shipped_po(vendor, number="PO-GEN-2", quantity=100, cost="10.00")
    _, raw = api_token(vendor, name="Generated client")
    erp = AuthenticatedClient(base_url=live_server.url, token=raw)

    # Without a token: the documented 401, parsed into the error body.
    anonymous = api_v1_purchase_orders_list.sync_detailed(client=Client(base_url=live_server.url))
    assert anonymous.status_code == 401 and isinstance(anonymous.parsed, ApiErrors)
    assert anonymous.parsed.errors[0].code == "not_authenticated"

    page = api_v1_purchase_orders_list.sync(client=erp, needs_confirmation=True)
    assert [row.number for row in page.results] == ["PO-GEN-1"]

    ship = timezone.localdate(po.ship_window_start)
    confirmed = api_v1_purchase_orders_confirmation_create.sync(
        client=erp,
        number="PO-GEN-1",
        body=PurchaseOrderConfirmationRequest(
            scheduled_ship_date=ship,
            lines=[
                PurchaseOrderLineConfirmationRequest(sequence=1, accepted=48, backordered=12, backorder_date=ship + datetime.timedelta(days=10)),
                PurchaseOrderLineConfirmationRequest(sequence=2, rejected=60, rejection_reason=RejectionReasonEnum("TemporarilyUnavailable")),
            ],
        ),
    )
    assert str(confirmed.state) == "acknowledged", confirmed
    assert [(line.accepted_quantity, line.backordered_quantity, line.rejected_quantity) for line in confirmed.lines] == [(48, 12, 0), (0, 0, 60)]
    po.refresh_from_db()
    assert po.state == "acknowledged"

    draft = api_v1_invoices_create.sync(
        client=erp,
        body=InvoiceInputRequest(
            number="GEN-INV-1",
            invoice_date=timezone.localdate(),
            lines=[LineInputRequest(purchase_order_number=shipped.number, po_line_sequence=1, quantity=10, unit_cost="10.00")],
        ),
    )
    assert str(draft.state) == "draft" and draft.grand_total == "100.00", draft
    submitted = api_v1_invoices_submit_create.sync(client=erp, id=draft.id)
    assert str(submitted.state) == "submitted", submitted
    assert shipped.lines.get().invoiced_quantity == 10


@pytest.mark.django_db
def test_a_form_encoded_write_is_refused_in_the_api_shape(token_client):
    """Writes take JSON (the one body type the schema offers); a form body is a structured 415, not parsed as if it were JSON."""
    response = token_client.post("/api/v1/webhooks/", "url=https%3A%2F%2Ferp.example.com%2Fhook", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_every_operation_answers_a_caller_without_credentials_as_documented(schema_file, client):
    """No credentials: each authenticated operation answers a status its schema declares (401), as JSON."""
    spec = yaml.safe_load(schema_file.read_text())
    undocumented, checked = [], 0
    for path, item in spec["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method, operation in item.items():
            if not isinstance(operation, dict) or {} in operation.get("security", [{}]):
                continue
            checked += 1
            response = getattr(client, method)(url, content_type="application/json")
            declared = str(response.status_code) in operation["responses"]
            if not declared or not response["Content-Type"].startswith("application/json"):
                undocumented.append(f"{method.upper()} {path}: {response.status_code} {response['Content-Type']}")
    assert undocumented == [] and checked > 100
