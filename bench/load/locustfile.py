"""The mixed load of bench/load/run.py: people in browsers and integrators' clients at once.

- vendor ops: the PO list (first page, filtered by state, searched by SKU), a PO, and confirming new POs;
- vendor finance: home, the payment summary, the deductions and the invoices;
- an ERP on the portal's API: pages of 100 POs, following the cursor;
- an Amazon client on the Amazon door: pages of 100 POs, following nextToken;
- the baseline: a bare DRF page of the same 100 POs (bench/baseline.py), in the same run.

run.py passes the hosts' credentials and the numbers of new POs to confirm through the environment.
"""

import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ["LOAD_PASSWORD"]
OPS = os.environ["LOAD_OPS"]
FINANCE = os.environ["LOAD_FINANCE"]
TOKEN = os.environ["LOAD_TOKEN"]
SKUS = os.environ["LOAD_SKUS"].split(",")
NUMBERS = os.environ["LOAD_NUMBERS"].split(",")
TO_CONFIRM = [number for number in os.environ["LOAD_TO_CONFIRM"].split(",") if number]  # empty once a rerun has confirmed them all
random.shuffle(TO_CONFIRM)
# Think time between a user's requests; run.py --think 0 makes every user send its next request at once (saturation).
THINK = between(float(os.environ.get("LOAD_THINK", "1")) * 0.5, float(os.environ.get("LOAD_THINK", "1")) * 1.5)


def _sign_in(user: HttpUser, username: str) -> None:
    page = user.client.get("/accounts/login/", name="sign in (form)")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = user.client.post(
        "/accounts/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{user.host}/accounts/login/"},
        name="sign in",
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"{username} could not sign in: {answer.status_code}")


class VendorOps(HttpUser):
    weight = 3
    wait_time = THINK

    def on_start(self):
        _sign_in(self, OPS)

    @task(4)
    def po_list(self):
        self.client.get("/purchase-orders/", name="html: PO list")

    @task(2)
    def po_list_new(self):
        self.client.get("/purchase-orders/?state=new", name="html: PO list, state=new")

    @task(1)
    def po_search(self):
        self.client.get(f"/purchase-orders/?q={random.choice(SKUS)}", name="html: PO list, search SKU")

    @task(3)
    def po_detail(self):
        self.client.get(f"/purchase-orders/{random.choice(NUMBERS)}/", name="html: PO detail")

    @task(1)
    def confirm(self):
        if not TO_CONFIRM:
            return
        number = TO_CONFIRM.pop()
        self.client.post(
            f"/api/v1/purchase-orders/{number}/confirmation",
            json={"accept_all": True},
            headers={"Authorization": f"Bearer {TOKEN}"},
            name="api: confirm a PO (accept all)",
        )


class VendorFinance(HttpUser):
    weight = 2
    wait_time = THINK

    def on_start(self):
        _sign_in(self, FINANCE)

    @task
    def home(self):
        self.client.get("/", name="html: home")

    @task(2)
    def payment_summary(self):
        self.client.get("/payments/", name="html: payment summary")

    @task(2)
    def deductions(self):
        self.client.get("/payments/deductions/", name="html: deductions")

    @task
    def invoices(self):
        self.client.get("/invoices/", name="html: invoices")


def _follow(user: HttpUser, first_url: str, name: str, next_of, headers: dict, pages: int = 3) -> None:
    url = first_url
    for _ in range(pages):
        answer = user.client.get(url, headers=headers, name=name)
        if answer.status_code != 200:
            return
        url = next_of(answer.json())
        if not url:
            return


class PortalApiClient(HttpUser):
    weight = 2
    wait_time = THINK

    @task
    def pages(self):
        _follow(
            self, "/api/v1/purchase-orders/?page_size=100", "api: PO page of 100", lambda body: body.get("next"), {"Authorization": f"Bearer {TOKEN}"}
        )


class AmazonClient(HttpUser):
    weight = 1
    wait_time = THINK

    @task
    def pages(self):
        base = "/vendor/orders/v1/purchaseOrders?limit=100&createdAfter=2000-01-01T00:00:00Z"

        def next_of(body):
            token = body["payload"].get("pagination", {}).get("nextToken")
            return f"{base}&nextToken={token}" if token else None

        _follow(self, base, "amazon: PO page of 100", next_of, {"x-amz-access-token": TOKEN})


class BareDrfBaseline(HttpUser):
    weight = 2
    wait_time = THINK

    @task
    def pages(self):
        _follow(self, "/bench/drf/", "baseline: bare DRF page of 100", lambda body: body.get("next"), {})
