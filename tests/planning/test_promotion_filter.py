"""The promotions list's State filter: one labelled checkbox per state, each state named once."""

import re

import pytest

from planning.models import PromotionState
from tests.factories import vendor_user
from vendor_portal.roles import Role


@pytest.mark.django_db
def test_each_state_is_one_labelled_checkbox(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    page = client.get("/planning/promotions/?state=shared").content.decode()
    fieldset = page.split("<legend", 1)[1]
    fieldset = fieldset[: fieldset.index("</fieldset>")]
    assert "<option" not in fieldset
    boxes = re.findall(r'<label[^>]*>\s*<input type="checkbox" name="state" value="([a-z_]+)"[^>]*>\s*([^<]+)</label>', fieldset)
    values = [value for value, _ in boxes]
    assert len(values) >= 3 and len(values) == len(set(values)) and set(values) <= set(PromotionState.values)
    for _value, label in boxes:
        assert fieldset.count(label.strip()) == 1, label
    assert re.search(r'value="shared"[^>]*checked', fieldset)
