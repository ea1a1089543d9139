"""The portal works with no internet: no page or document pulls assets from another host."""

import re
from pathlib import Path

import pytest

from tests.factories import vendor_user
from vendor_portal.roles import Role

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL_ASSET = re.compile(r"""<(?:script|link|img)[^>]+(?:src|href)=["'](?:https?:)?//""", re.IGNORECASE)
CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?["']?(?:https?:)?//|url\(["']?(?:https?:)?//""", re.IGNORECASE)


def _template_files():
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        yield from folder.rglob("*.html")


def test_no_template_loads_assets_from_another_host():
    offenders = [str(path.relative_to(ROOT)) for path in _template_files() if EXTERNAL_ASSET.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_no_stylesheet_imports_from_another_host():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "static").rglob("*.css") if CSS_IMPORT.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.django_db
def test_api_docs_and_schema_are_served_locally(client, vendor):
    docs = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs
    assert not EXTERNAL_ASSET.search(docs)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert "bearerToken" in schema.json()["components"]["securitySchemes"]


@pytest.mark.django_db
def test_signed_in_pages_reference_only_local_assets(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))
    for url in ["/", "/messages/", "/settings/", "/team/", "/catalogue/", "/audit/", "/approvals/"]:
        page = client.get(url).content.decode()
        assert not EXTERNAL_ASSET.search(page), url
