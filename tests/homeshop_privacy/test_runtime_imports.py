"""Runtime code never imports a migration module (issue 15 item 8): migrations are
history, frozen with the models of their time; what the running system needs lives in
the app (``consents.reference_data``)."""

import ast
import importlib
from pathlib import Path

from consents import reference_data

ROOT = Path(__file__).resolve().parents[2]
APPS = ("homeshop_privacy", "accounts", "consents", "disclosures", "claims")


def _migration_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.Call) and node.args:
            # import_module("app.migrations.0002_x") and the like
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names = [first.value]
        if any(".migrations" in name.replace("/", ".") for name in names):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_runtime_module_imports_a_migration():
    offenders = [
        hit
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
        for hit in _migration_imports(path)
    ]
    assert offenders == []


def test_the_reference_data_is_what_the_migrations_seeded():
    # The migrations keep their frozen copy; a purpose changed in one place only would
    # make a fresh database and a flushed one differ.
    seed = importlib.import_module("consents.migrations.0002_seed_purposes")
    assert [tuple(row) for row in reference_data.SECTION_4] == [
        tuple(row) for row in seed.SECTION_4
    ]
    assert [tuple(row) for row in reference_data.OTHERS] == [tuple(row) for row in seed.OTHERS]
    v1 = importlib.import_module("consents.migrations.0004_policy_version_1")
    assert reference_data.POLICY_V1_PATH == v1.TEXT_PATH
    assert reference_data.POLICY_V1_EFFECTIVE_FROM == v1.EFFECTIVE_FROM


def test_the_default_retention_rules_are_what_the_migration_seeded():
    from homeshop_privacy import retention_defaults

    seeded = importlib.import_module("homeshop_privacy.migrations.0019_retention_rules_seeded")
    added = importlib.import_module(
        "homeshop_privacy.migrations.0023_retention_rule_claims_without_account"
    )
    assert sorted(retention_defaults.RULES) == sorted(seeded.RULES + added.RULES)
