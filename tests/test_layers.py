"""The import layers are enforced: the contracts in pyproject.toml (import-linter, which
`make test` runs as `lint-imports`) hold, a wrong import breaks the rule it names, no module
imports the app factory at import time (which import-linter can't tell from a call-time import),
and no domain imports another's forms, views or web helpers (those shared live in core).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "campus"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """`lint-imports` over the `campus` package and the pyproject.toml found in `tree`."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """The package's Python files and the contracts, copied to change them freely."""
    shutil.copytree(
        PACKAGE,
        tmp_path / "campus",
        ignore=shutil.ignore_patterns("static", "templates", "translations", "__pycache__", "*.pyc"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_code_keeps_every_import_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " broken" in result.stdout and "0 broken" in result.stdout


@pytest.mark.parametrize(
    "module, wrong_import, rule",
    [
        ("core/web.py", "import campus.users.models", "core imports no domain and no extension instance"),
        ("media/storage.py", "import campus.students.models", "media knows no domain"),
        ("majors/views.py", "import campus.students.forms", "Domains are layered"),
        ("users/services.py", "import campus.admin.views", "nothing but the factory imports admin and pages"),
    ],
)
def test_a_wrong_import_fails_the_check_naming_the_rule(package_copy, module, wrong_import, rule):
    path = package_copy / "campus" / module
    path.write_text(path.read_text() + f"\n{wrong_import}  # deliberately wrong\n")
    result = lint_imports(package_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    importer = "campus." + module.removesuffix(".py").replace("/", ".")
    imported = wrong_import.split()[-1]
    assert f"{rule}" in result.stdout and "BROKEN" in result.stdout
    assert f"{importer} -> {imported}" in result.stdout


# --- the app factory at import time --------------------------------------------------------


def factory_names() -> set[str]:
    """What `campus/__init__.py` defines: `create_app` and its `register_*` steps."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)}


def import_time_factory_imports(source: str, names: set[str]) -> list[str]:
    """Imports of the factory that run when the module is imported: at module level or in a
    class body (anything but a function body), as `line: statement`."""
    found = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return  # runs when called, not when imported
        if isinstance(node, ast.ImportFrom) and node.module == "campus" and node.level == 0:
            found.extend(f"{node.lineno}: from campus import {a.name}" for a in node.names if a.name in names)
        elif isinstance(node, ast.Import):
            found.extend(f"{node.lineno}: import campus" for a in node.names if a.name == "campus")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def test_no_module_imports_the_app_factory_at_import_time():
    names = factory_names()
    assert "create_app" in names
    offenders = [
        f"{path.relative_to(ROOT)}:{where}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "__init__.py"
        for where in import_time_factory_imports(path.read_text(), names)
    ]
    assert not offenders, "the app factory imported at import time:\n" + "\n".join(offenders)


def test_the_factory_check_sees_module_level_imports_and_not_call_time_ones():
    names = {"create_app"}
    wrong = "from campus import create_app\n\nclass Late:\n    from campus import create_app as factory\n"
    assert import_time_factory_imports(wrong, names) == [
        "1: from campus import create_app",
        "4: from campus import create_app",
    ]
    assert import_time_factory_imports("import campus\n", names) == ["1: import campus"]
    fine = "import campus.core.api\n\ndef serve():\n    from campus import create_app\n    return create_app()\n"
    assert import_time_factory_imports(fine, names) == []


# --- web helpers stay in their domain -------------------------------------------------------

WEB_MODULES = ("forms", "views", "web")


def foreign_web_imports(domain: str, source: str) -> list[str]:
    """Imports (anywhere in the module) of another domain's forms, views or web helpers, as
    `line: module`; core's are everyone's."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if (
                parts[0] == "campus"
                and len(parts) >= 3
                and parts[1] not in (domain, "core")
                and parts[2] in WEB_MODULES
            ):
                found.append(f"{node.lineno}: {'.'.join(parts[:3])}")
    return sorted(set(found))


def test_no_domain_imports_another_domains_forms_views_or_web_helpers():
    offenders = [
        f"{path.relative_to(ROOT)}:{where}"
        for path in sorted(PACKAGE.glob("*/**/*.py"))
        for where in foreign_web_imports(path.relative_to(PACKAGE).parts[0], path.read_text())
    ]
    assert not offenders, "shared web helpers belong in campus.core:\n" + "\n".join(offenders)


def test_the_web_helper_check_sees_imports_across_domains():
    before = "from campus.students.forms import add_field_errors\n\ndef f():\n    import campus.users.web\n"
    assert foreign_web_imports("majors", before) == ["1: campus.students.forms", "4: campus.users.web"]
    fine = "from campus.core.forms import ConfirmForm\nfrom campus.majors.forms import MajorForm\n"
    assert foreign_web_imports("majors", fine) == []
