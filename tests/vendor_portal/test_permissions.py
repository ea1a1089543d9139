"""Who may do what: the role x action matrix, and the screens and API honour it."""

import pytest

from tests.factories import api_token, retailer_user, vendor_user
from vendor_portal.roles import Action, Role
from vendor_portal.tenancy import Scope

A = Action
EXPECTED = {
    # action: roles allowed
    A.VIEW_PURCHASE_ORDERS: set(Role),
    A.CONFIRM_PURCHASE_ORDERS: {Role.VENDOR_ADMIN, Role.VENDOR_OPS},
    A.MANAGE_PURCHASE_ORDERS: {Role.BUYER, Role.RETAILER_ADMIN},
    A.VIEW_SHIPMENTS: set(Role),
    A.MANAGE_SHIPMENTS: {Role.VENDOR_ADMIN, Role.VENDOR_OPS},
    A.MANAGE_SHIP_FROM: {Role.VENDOR_ADMIN},
    A.MANAGE_TAX_REGISTRATIONS: {Role.VENDOR_ADMIN},
    A.RECEIVE_GOODS: {Role.RECEIVING, Role.RETAILER_ADMIN},
    A.REQUEST_APPOINTMENTS: {Role.VENDOR_ADMIN, Role.VENDOR_OPS},
    A.SCHEDULE_APPOINTMENTS: {Role.RECEIVING, Role.RETAILER_ADMIN},
    A.VIEW_INVOICES: {Role.VENDOR_ADMIN, Role.VENDOR_FINANCE, Role.INTEGRATOR, Role.BUYER, Role.ACCOUNTS_PAYABLE, Role.RETAILER_ADMIN},
    A.MANAGE_INVOICES: {Role.VENDOR_ADMIN, Role.VENDOR_FINANCE},
    A.APPROVE_INVOICES: {Role.VENDOR_ADMIN, Role.VENDOR_FINANCE},
    A.VIEW_PAYMENTS: {Role.VENDOR_ADMIN, Role.VENDOR_FINANCE, Role.INTEGRATOR, Role.ACCOUNTS_PAYABLE, Role.RETAILER_ADMIN},
    A.DISPUTE_DEDUCTIONS: {Role.VENDOR_ADMIN, Role.VENDOR_FINANCE},
    A.RUN_PAYMENTS: {Role.ACCOUNTS_PAYABLE, Role.RETAILER_ADMIN},
    A.ANSWER_DISPUTES: {Role.ACCOUNTS_PAYABLE, Role.RETAILER_ADMIN},
    A.MANAGE_USERS: {Role.VENDOR_ADMIN, Role.RETAILER_ADMIN},
    A.MANAGE_TOKENS: {Role.VENDOR_ADMIN},
    A.MANAGE_WEBHOOKS: {Role.VENDOR_ADMIN},
    A.EXCHANGE_EDI: {Role.VENDOR_ADMIN, Role.VENDOR_OPS, Role.INTEGRATOR},
    A.REQUEST_BANK_CHANGE: {Role.VENDOR_ADMIN, Role.VENDOR_FINANCE},
    A.APPROVE_BANK_CHANGE: {Role.VENDOR_ADMIN, Role.VENDOR_FINANCE},
    A.VIEW_AUDIT: {Role.VENDOR_ADMIN, Role.ACCOUNTS_PAYABLE, Role.RETAILER_ADMIN},
    A.ONBOARD_VENDORS: {Role.RETAILER_ADMIN},
    A.VIEW_CATALOGUE: set(Role),
    A.VIEW_PLANNING: set(Role),
    A.MANAGE_PLANNING: {Role.BUYER, Role.RETAILER_ADMIN},
    A.CONFIRM_PROMOTIONS: {Role.VENDOR_ADMIN, Role.VENDOR_OPS},
    A.READ_API_DOCS: {Role.VENDOR_ADMIN, Role.INTEGRATOR, Role.RETAILER_ADMIN},
    A.MANAGE_COMPLIANCE: {Role.RETAILER_ADMIN},
    A.REFRESH_SCORECARD: {Role.VENDOR_ADMIN, Role.VENDOR_OPS, Role.RETAILER_ADMIN},
    A.PROPOSE_CATALOGUE: {Role.VENDOR_ADMIN, Role.VENDOR_OPS},
    A.REPORT_AVAILABILITY: {Role.VENDOR_ADMIN, Role.VENDOR_OPS},
    A.REVIEW_CATALOGUE: {Role.BUYER, Role.RETAILER_ADMIN},
}


def test_matrix_covers_every_action():
    assert set(EXPECTED) == set(Action)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_role_action_matrix(role, action):
    scope = Scope(roles=frozenset({role}), is_retailer=role in {Role.BUYER, Role.RECEIVING, Role.ACCOUNTS_PAYABLE, Role.RETAILER_ADMIN})
    assert scope.can(action) == (role in EXPECTED[action])


@pytest.mark.parametrize(
    "scopes, action, allowed",
    [
        (["orders:read"], A.VIEW_PURCHASE_ORDERS, True),
        (["orders:read"], A.CONFIRM_PURCHASE_ORDERS, False),
        (["orders:write"], A.CONFIRM_PURCHASE_ORDERS, True),
        (["invoices:write"], A.MANAGE_INVOICES, True),
        (["payments:read"], A.DISPUTE_DEDUCTIONS, False),
        (["planning:read"], A.VIEW_PLANNING, True),
        (["planning:read"], A.CONFIRM_PROMOTIONS, False),
        (["planning:write"], A.CONFIRM_PROMOTIONS, True),
        (list(__import__("vendor_portal.models.tokens", fromlist=["ALL_SCOPES"]).ALL_SCOPES), A.MANAGE_PLANNING, False),
        (list(__import__("vendor_portal.models.tokens", fromlist=["ALL_SCOPES"]).ALL_SCOPES), A.MANAGE_TOKENS, False),
        (list(__import__("vendor_portal.models.tokens", fromlist=["ALL_SCOPES"]).ALL_SCOPES), A.APPROVE_BANK_CHANGE, False),
    ],
)
def test_token_scopes_map_to_actions(scopes, action, allowed):
    assert Scope(token_scopes=frozenset(scopes)).can(action) is allowed


SCREENS = [
    # url, action it needs
    ("/settings/", A.MANAGE_TOKENS),
    ("/settings/bank-details/", A.REQUEST_BANK_CHANGE),
    ("/audit/", A.VIEW_AUDIT),
    ("/catalogue/", A.VIEW_CATALOGUE),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VENDOR_ADMIN, Role.VENDOR_OPS, Role.VENDOR_FINANCE, Role.INTEGRATOR])
@pytest.mark.parametrize("url, action", SCREENS)
def test_vendor_screens_follow_the_matrix(client, vendor, role, url, action):
    client.force_login(vendor_user(vendor, role))
    response = client.get(url)
    assert response.status_code == (200 if role in EXPECTED[action] else 403)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.BUYER, Role.RECEIVING, Role.ACCOUNTS_PAYABLE, Role.RETAILER_ADMIN])
def test_retailer_audit_access_follows_the_matrix(client, role):
    client.force_login(retailer_user(role))
    assert client.get("/audit/").status_code == (200 if role in EXPECTED[A.VIEW_AUDIT] else 403)


@pytest.mark.django_db
def test_navigation_shows_only_what_the_role_may_use(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    page = client.get("/").content.decode()
    assert 'href="/catalogue/"' in page
    assert 'href="/settings/"' not in page and 'href="/audit/"' not in page
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))
    page = client.get("/").content.decode()
    assert 'href="/settings/"' in page and 'href="/audit/"' in page


@pytest.mark.django_db
def test_token_without_scope_is_refused_with_a_structured_error(api_client, vendor):
    _, raw = api_token(vendor, scopes=["orders:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api_client.get("/api/v1/audit-events/")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] in {"permission_denied", "error"}


@pytest.mark.django_db
def test_person_without_any_role_gets_a_clear_page(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    response = client.get("/")
    assert response.status_code == 403
    assert "no role" in response.content.decode()


# Documents and jobs: /api/v1/documents/<id>/download, /api/v1/jobs/<id>/ and the job screens follow the matrix
# through the record each belongs to (tests/vendor_portal/test_document_access.py walks them per role and scope).
def test_every_documents_record_is_read_with_a_view_action_of_the_matrix():
    from vendor_portal.document_access import TARGET_READ_ACTIONS
    from vendor_portal.tenancy import ACTION_TOKEN_SCOPE

    for target, action in TARGET_READ_ACTIONS.items():
        assert action in EXPECTED and (str(action).endswith(".view") or action == A.EXCHANGE_EDI), target
        assert ACTION_TOKEN_SCOPE[action].endswith(":read") or ACTION_TOKEN_SCOPE[action] == "edi", target  # read scopes only
