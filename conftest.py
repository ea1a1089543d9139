import os

import pytest

from tests.audit_check import AuditRecorder


@pytest.fixture(autouse=True)
def every_change_is_audited(request):
    """Fails a test whose service, view, API or task changed data without writing an audit row."""
    if request.node.get_closest_marker("no_audit_check"):
        yield
        return
    with AuditRecorder() as recorder:
        yield recorder
    missing = recorder.unaudited()
    assert not missing, f"changes without an audit row: {missing}"


def pytest_configure(config):
    config.addinivalue_line("markers", "no_audit_check: the test changes data on purpose without services")
    # Playwright's sync API runs an event loop in the test thread; Django's ORM calls from that
    # thread are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def vendor(db):
    from tests.factories import VendorFactory

    return VendorFactory(code="ACME", name="Acme Home Goods", gs1_company_prefix="0614141")


@pytest.fixture
def other_vendor(db):
    from tests.factories import VendorFactory

    return VendorFactory(code="GLOBEX", name="Globex Outdoor", gs1_company_prefix="0712345")


@pytest.fixture
def vendor_user(vendor):
    from tests.factories import vendor_user

    return vendor_user(vendor)


@pytest.fixture
def other_vendor_user(other_vendor):
    from tests.factories import vendor_user

    return vendor_user(other_vendor)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def vendor_token(vendor):
    from tests.factories import api_token

    return api_token(vendor)


@pytest.fixture
def token_client(vendor_token):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {vendor_token[1]}")
    return client
