import pytest


@pytest.fixture(autouse=True)
def private_media_root(settings, tmp_path):
    """Remittance PDFs and dispute evidence go to a folder of this test, not the shared var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
