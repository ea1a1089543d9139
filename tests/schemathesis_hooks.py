"""Hooks for schemathesis' CLI (`SCHEMATHESIS_HOOKS=tests.schemathesis_hooks st run ...`), as
tests/test_schemathesis_unauthenticated.py runs it: what the in-process runs (tests/test_schemathesis.py) set
up in their own module."""

import schemathesis

# The EDI upload also takes raw X12 text, which schemathesis sends like text/plain.
schemathesis.serializer.alias("application/edi-x12", "text/plain")
