import time

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
