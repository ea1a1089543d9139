"""Signs in as each demo user against a running server and opens every page reachable from the home page
(two of each kind: /invoices/7/ and /invoices/9/ are one kind), failing on any 5xx. Standard library only.
Production asks the demo users for a two-factor code after the password: `seed_demo --totp` gave them an
authenticator app with the published demo secret, from which this computes the code (RFC 6238).

    python .ci/production_pages.py http://127.0.0.1:18765 acme-admin acme-finance retail-ap ...
"""

import base64
import collections
import hmac
import html.parser
import re
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

PASSWORD = "demo"
DEMO_TOTP_SECRET = "VPDEMOTOTPSECRETFORDEMOUSERSONLY"  # vendor_portal/demo.py
PER_KIND = 2
MAX_PAGES = 150
# Links that change state or leave the pages: sign-out and language are forms; downloads are files; the
# Django admin is the back office, not the portal.
SKIP = re.compile(r"^/(accounts/logout|admin/|i18n/|static/|media/|api/)|download|export|/labels|\.pdf$|format=")


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.csrf = [], ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "input" and attrs.get("name") == "csrfmiddlewaretoken":
            self.csrf = attrs.get("value", "")


class Session:
    """Cookies by hand: the production cookies are Secure, which urllib would not send over plain http."""

    def __init__(self, base: str):
        self.base, self.cookies = base, {}

    def request(self, path: str, data: dict | None = None):
        headers = {"X-Forwarded-Proto": "https", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Referer": "https://" + urllib.parse.urlsplit(self.base).netloc + path}
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, response.read().decode("utf-8", "replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def totp_code(secret: str, at: float) -> str:
    counter = int(at) // 30
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), "sha1").digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def second_factor(session: Session, username: str) -> str | None:
    """The code step after the password, if production asks for one; a problem, or None."""
    status, headers, _ = session.request("/")
    location = urllib.parse.urlsplit(headers.get("Location", "")).path if status == 302 else ""
    if location.endswith("/two-factor/enrol/"):
        return f"{username}: sent to two-factor enrolment (seed the demo with --totp)"
    if not location.endswith("/two-factor/code/"):
        return None
    _, _, page = session.request(location)
    form = Links()
    form.feed(page)
    status, headers, _ = session.request(location, {"code": totp_code(DEMO_TOTP_SECRET, time.time()), "next": "/", "csrfmiddlewaretoken": form.csrf})
    if status != 302 or urllib.parse.urlsplit(headers.get("Location", "")).path != "/":
        return f"{username}: the two-factor code was refused ({status})"
    return None


def kind(path: str) -> str:
    return re.sub(r"\d+", "N", urllib.parse.urlsplit(path).path)


def walk(base: str, username: str) -> list[str]:
    session = Session(base)
    status, _, page = session.request("/accounts/login/")
    form = Links()
    form.feed(page)
    status, headers, _ = session.request("/accounts/login/", {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": form.csrf})
    if status != 302:
        return [f"{username}: sign-in answered {status}"]
    problem = second_factor(session, username)
    if problem:
        return [problem]
    problems, seen, per_kind = [], set(), collections.Counter()
    queue = collections.deque(["/"])
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen or per_kind[kind(path)] >= PER_KIND:
            continue
        seen.add(path)
        per_kind[kind(path)] += 1
        status, headers, page = session.request(path)
        if status >= 500:
            problems.append(f"{username}: {path} answered {status}")
            continue
        if status in (301, 302):
            location = urllib.parse.urlsplit(headers.get("Location", ""))
            if not location.netloc:
                queue.append(location.path + (f"?{location.query}" if location.query else ""))
            continue
        links = Links()
        links.feed(page)
        for href in links.hrefs:
            parts = urllib.parse.urlsplit(urllib.parse.urljoin(path, href))
            if parts.netloc or parts.scheme not in ("", "http", "https") or not parts.path.startswith("/"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if not SKIP.search(target) and target not in seen:
                queue.append(target)
    print(f"{username}: {len(seen)} pages, {len(per_kind)} kinds")
    return problems


def main(base: str, usernames: list[str]) -> int:
    problems = [problem for username in usernames for problem in walk(base, username)]
    for problem in problems:
        print("FAIL", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
