"""Two people confirming the same PO at the same moment: one waits for the other, nothing is mixed."""

import threading

import pytest
from django.db import connections

from purchase_orders.models import Acknowledgement, PurchaseOrderLine
from purchase_orders.services.confirmations import LineConfirmation, purchase_order_acknowledge
from tests.factories import vendor_user
from tests.purchase_orders.factories import purchase_order_with_lines
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope


@pytest.mark.django_db(transaction=True)
def test_simultaneous_confirmations_are_serialised_never_mixed(vendor):
    po = purchase_order_with_lines(vendor, lines=3, quantity=60)
    available = po.ship_window_end.date()
    submissions = {
        "alice": [LineConfirmation(sequence=n, accepted=60) for n in (1, 2, 3)],
        "bob": [LineConfirmation(sequence=n, accepted=30, backordered=30, backorder_date=available) for n in (1, 2, 3)],
    }
    people = {name: vendor_user(vendor, Role.VENDOR_OPS, username=name) for name in submissions}
    start = threading.Barrier(len(submissions))
    failures = []

    def confirm(name):
        try:
            start.wait(timeout=10)
            purchase_order_acknowledge(scope=Scope(vendor=vendor), number=po.number, lines=submissions[name], actor=Actor(user=people[name]))
        except Exception as error:  # reported to the main thread, which fails the test
            failures.append((name, error))
        finally:
            connections.close_all()  # each thread opened its own connection

    threads = [threading.Thread(target=confirm, args=(name,)) for name in submissions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures
    assert not any(thread.is_alive() for thread in threads)

    final = [
        (line.accepted_quantity, line.backordered_quantity, line.rejected_quantity)
        for line in PurchaseOrderLine.objects.filter(purchase_order=po).order_by("sequence")
    ]
    given = {name: [(c.accepted, c.backordered, c.rejected) for c in lines] for name, lines in submissions.items()}
    assert final in given.values()  # exactly one person's answer, line for line
    revisions = list(Acknowledgement.objects.filter(purchase_order=po).order_by("revision").select_related("submitted_by"))
    assert [r.revision for r in revisions] == [1, 2]
    last = revisions[-1]
    assert final == given[last.submitted_by.username]  # the later revision is what the lines show
    assert {r.submitted_by.username for r in revisions} == set(submissions)
