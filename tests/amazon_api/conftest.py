import pytest
from rest_framework.test import APIClient

from tests.factories import VendorAccountFactory, api_token, marketplace


def amazon_client(raw_token: str) -> APIClient:
    """A client that authenticates as Amazon's vendor clients do: the x-amz-access-token header."""
    client = APIClient()
    client.credentials(HTTP_X_AMZ_ACCESS_TOKEN=raw_token)
    return client


@pytest.fixture
def amazon(vendor_token):
    return amazon_client(vendor_token[1])


@pytest.fixture
def globex(other_vendor):
    return amazon_client(api_token(other_vendor, name="GLOBEX ERP")[1])


@pytest.fixture
def account(vendor):
    """ACME's vendor code in the US marketplace: the sellingParty of its US POs."""
    return VendorAccountFactory(vendor=vendor, marketplace=marketplace("US"), vendor_code="ACMEUS")
