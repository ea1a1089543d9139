"""Bad input never gets a 500: structured API errors, clear pages."""
import pytest

from tests.factories import vendor_user
from vendor_portal.roles import Role


@pytest.mark.django_db
def test_malformed_json_is_a_structured_400(api_client, vendor):
    api_client.force_authenticate(vendor_user(vendor, Role.VENDOR_OPS))
    response = api_client.post("/api/v1/notifications/mark-read/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


@pytest.mark.django_db
def test_unknown_api_path_is_a_json_404(api_client, vendor):
    api_client.force_authenticate(vendor_user(vendor, Role.VENDOR_OPS))
    response = api_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.django_db
def test_unknown_page_is_a_friendly_404(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


@pytest.mark.django_db
def test_anonymous_api_call_gets_401_with_errors(api_client):
    response = api_client.get("/api/v1/me")
    assert response.status_code in (401, 403)
    assert "errors" in response.json()


@pytest.mark.django_db
def test_switching_to_a_vendor_you_do_not_belong_to_is_404(client, vendor, other_vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    assert client.post("/switch-vendor/", {"vendor_id": other_vendor.pk}).status_code == 404
    assert client.post("/switch-vendor/", {"vendor_id": "abc"}).status_code == 404


@pytest.mark.django_db
def test_idempotency_key_replays_the_first_answer(api_client, vendor):
    from tests.audit_check import audit_exempt
    from vendor_portal.models import Notification

    user = vendor_user(vendor, Role.VENDOR_OPS)
    with audit_exempt():
        Notification.objects.create(user=user, vendor=vendor, kind="k", title="t")
    api_client.force_authenticate(user)
    first = api_client.post("/api/v1/notifications/mark-read/", {}, HTTP_IDEMPOTENCY_KEY="abc-1")
    second = api_client.post("/api/v1/notifications/mark-read/", {}, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.json()["marked"] == 1
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    reused = api_client.post("/api/v1/notifications/mark-read/", {"ids": [1]}, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert reused.status_code == 422 and reused.json()["errors"][0]["code"] == "idempotency_key_reused"
