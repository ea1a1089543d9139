"""Sign-in, lockout, password change and reset."""

import re

import pytest
from django.core import mail

from tests.factories import vendor_user
from vendor_portal.roles import Role


@pytest.fixture
def ops(vendor):
    return vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")


@pytest.mark.django_db
def test_sign_in_and_out(client, ops):
    response = client.post("/accounts/login/", {"username": "acme-ops", "password": "demo-password"})
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert "What needs me" in home.content.decode()
    client.post("/accounts/logout/")
    assert client.get("/")["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_wrong_password_shows_a_clear_message(client, ops):
    response = client.post("/accounts/login/", {"username": "acme-ops", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


@pytest.mark.django_db
def test_lockout_after_repeated_failures_even_with_the_right_password(client, ops, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "acme-ops", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "acme-ops", "password": "demo-password"})
    assert response.status_code == 429
    assert "temporarily locked" in response.content.decode()
    # Another person is not locked out by it.
    vendor_user(ops.memberships.first().vendor, Role.VENDOR_FINANCE, username="acme-finance")
    assert client.post("/accounts/login/", {"username": "acme-finance", "password": "demo-password"}).status_code == 302


@pytest.mark.django_db
def test_password_change(client, ops):
    client.force_login(ops)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": "demo-password", "new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert response.status_code == 302
    ops.refresh_from_db()
    assert ops.check_password("a-new-long-passphrase")


@pytest.mark.django_db
def test_password_reset_by_email(client, ops):
    response = client.post("/accounts/password_reset/", {"email": ops.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "brand-new-passphrase", "new_password2": "brand-new-passphrase"})
    assert response.status_code == 302
    ops.refresh_from_db()
    assert ops.check_password("brand-new-passphrase")


@pytest.mark.django_db
def test_reset_for_unknown_address_reveals_nothing(client):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_malformed_login_form_is_not_a_server_error(client):
    response = client.post("/accounts/login/", {"username": "x" * 5000})
    assert response.status_code == 200
