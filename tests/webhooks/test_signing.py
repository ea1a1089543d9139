import base64
import hashlib
import hmac
import time

import pytest

from webhooks import signing

SECRET = "whsec_test"
BODY = b'{"id":"1","event":"ping","data":{}}'


def test_signature_of_the_documented_recipe_verifies():
    now = int(time.time())
    header = signing.sign(SECRET, now, BODY)
    assert header.startswith("v1=") and len(header) == 3 + 64
    assert signing.verify(SECRET, header, str(now), BODY)


def test_a_changed_body_wrong_secret_or_garbage_header_is_refused():
    now = int(time.time())
    header = signing.sign(SECRET, now, BODY)
    assert not signing.verify(SECRET, header, now, BODY + b" ")
    assert not signing.verify("whsec_other", header, now, BODY)
    assert not signing.verify(SECRET, "v1=" + "0" * 64, now, BODY)
    assert not signing.verify(SECRET, "", now, BODY)
    assert not signing.verify(SECRET, "v1=é", now, BODY)
    assert not signing.verify(SECRET, header, "not-a-number", BODY)


def test_an_old_or_far_future_timestamp_is_refused_so_requests_cannot_be_replayed():
    then = int(time.time()) - 301
    assert not signing.verify(SECRET, signing.sign(SECRET, then, BODY), then, BODY)
    assert signing.verify(SECRET, signing.sign(SECRET, then, BODY), then, BODY, tolerance=600)
    later = int(time.time()) + 400
    assert not signing.verify(SECRET, signing.sign(SECRET, later, BODY), later, BODY)


def test_one_matching_signature_among_several_is_enough():
    now = int(time.time())
    header = f"v1={'a' * 64}, {signing.sign(SECRET, now, BODY)}"
    assert signing.verify(SECRET, header, now, BODY)


def test_standard_webhooks_key_is_the_secrets_base64_decoded_in_either_alphabet():
    key = bytes(range(250, 256)) + b"portal-key"  # decodes to base64 with "+" and "/" (URL-safe: "-" and "_")
    standard = "whsec_" + base64.b64encode(key).decode()
    url_safe = "whsec_" + base64.urlsafe_b64encode(key).decode().rstrip("=")  # how secrets were issued before 2026-12
    assert "/" in standard or "+" in standard
    assert signing.standard_key(standard) == signing.standard_key(url_safe) == key
    assert signing.standard_key("whsec_s") == b"whsec_s"  # not base64: its own bytes


def test_standard_webhooks_signature_by_hand():
    """The spec's recipe: HMAC-SHA256 over f"{id}.{timestamp}.{body}" keyed with the decoded secret, base64, "v1," before it."""
    key = b"0123456789abcdef0123456789abcdef"
    secret = "whsec_" + base64.b64encode(key).decode()
    expected = base64.b64encode(hmac.new(key, b"msg_1.1700000000." + BODY, hashlib.sha256).digest()).decode()
    assert signing.standard_sign(secret, "msg_1", 1700000000, BODY) == f"v1,{expected}"


def test_a_receiver_on_a_url_safe_secret_gives_the_library_the_decoded_key():
    standardwebhooks = pytest.importorskip("standardwebhooks")
    secret = "whsec_" + base64.urlsafe_b64encode(bytes(range(200, 232))).decode().rstrip("=")
    now = int(time.time())
    headers = {"webhook-id": "e1", "webhook-timestamp": str(now), "webhook-signature": signing.standard_sign(secret, "e1", now, BODY)}
    key = base64.urlsafe_b64decode(secret.removeprefix("whsec_") + "=")
    assert standardwebhooks.Webhook(key).verify(BODY, headers)["event"] == "ping"
