"""Integrations sit at the edge: no module of a domain app imports webhooks, edi or amazon_api, not even lazily
inside a function or in apps.py. They hear of the domain's changes through vendor_portal/events.py.

An AST walk over the domain packages rather than import-linter: no new dependency in the shared environment,
it runs with the other tests in a fraction of a second, and it sees every import statement wherever it
stands (module level, function, `try: ... except ImportError`) and `importlib.import_module("...")` or
`__import__("...")` with a literal name. The project's wiring names every app by string and is not a domain
import: INSTALLED_APPS, the root URLconf's `include("edi.urls")`.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ("vendor_portal", "purchase_orders", "shipments", "invoicing", "reconciliation", "planning", "appointments")
INTEGRATIONS = ("webhooks", "edi", "amazon_api")


def _top(name: str) -> str:
    return name.split(".")[0]


def forbidden_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            function = node.func
            called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
            if called in ("import_module", "__import__"):
                names = [node.args[0].value]
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
        found += [f"{where}:{node.lineno} imports {name}" for name in names if _top(name) in INTEGRATIONS]
    return found


def test_the_walk_sees_every_kind_of_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import edi.models\nfrom webhooks import services\n"
        "def later():\n    try:\n        from amazon_api.invoices import apply_invoice\n    except ImportError:\n        pass\n"
        "    import importlib\n    return importlib.import_module('edi.tasks')\n"
        "from purchase_orders.models import PurchaseOrder\nfrom .events import publish\n"
    )
    assert [line.split(" imports ")[1] for line in forbidden_imports(sample)] == ["edi.models", "webhooks", "amazon_api.invoices", "edi.tasks"]


@pytest.mark.parametrize("package", DOMAIN)
def test_no_domain_module_imports_an_integration(package):
    modules = sorted((ROOT / package).rglob("*.py"))
    assert modules, f"{package} has no modules: the walk looks in the wrong place"
    found = [problem for path in modules for problem in forbidden_imports(path)]
    assert not found, "the domain must not import an integration (publish an event instead):\n" + "\n".join(found)


# CSV/XLSX reading and writing live once in the core (vendor_portal/tables.py); an app's exports and
# imports say only what its own columns mean, so no app borrows another's.
FILE_MODULES = ("exports", "imports")


def borrowed_file_modules(path: Path, package: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from purchase_orders.exports import x` names the module; `from purchase_orders import exports` its member
            names += [(node.lineno, node.module)] if "." in node.module else [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for line, name in names
        if _top(name) in DOMAIN and _top(name) != package and name.split(".")[1:2] and name.split(".")[1] in FILE_MODULES
    ]


@pytest.mark.parametrize("package", DOMAIN)
def test_no_domain_app_imports_another_apps_exports_or_imports(package):
    found = [problem for path in sorted((ROOT / package).rglob("*.py")) for problem in borrowed_file_modules(path, package)]
    assert not found, "shared CSV/XLSX code belongs in vendor_portal/tables.py:\n" + "\n".join(found)
