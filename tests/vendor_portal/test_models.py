import pytest
from django.core.exceptions import ValidationError

from tests.factories import ProductFactory
from vendor_portal.models import Vendor


@pytest.mark.django_db
def test_product_gtin_check_digit_is_validated(vendor):
    product = ProductFactory.build(vendor=vendor, gtin="0614141000012")
    product.gtin = "0614141000013"
    with pytest.raises(ValidationError, match="check digit"):
        product.full_clean()


def test_vendor_gs1_prefix_must_be_7_to_10_digits():
    vendor = Vendor(code="ACME", name="Acme", gs1_company_prefix="12AB")
    with pytest.raises(ValidationError) as error:
        vendor.clean_fields()
    assert "gs1_company_prefix" in error.value.message_dict
