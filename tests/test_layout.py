"""House rules: zoo never imports plugins; plugins use only zoo's public API."""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PUBLIC = {
    "zoo",
    "zoo.layers",
    "zoo.losses",
    "zoo.testing",
    "zoo.translation_nets",
    "zoo.image_pool",
}


def imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module)
    return names


def test_core_never_imports_plugins():
    offenders = [
        f"{p.relative_to(REPO)} imports {name}"
        for p in (REPO / "zoo").rglob("*.py")
        for name in imports(p)
        if name == "plugins" or name.startswith("plugins.")
    ]
    assert offenders == []


def test_plugins_import_only_public_zoo_api_and_no_other_plugin():
    offenders = []
    for p in (REPO / "plugins").rglob("*.py"):
        for name in imports(p):
            if name.startswith("zoo") and name not in PUBLIC:
                offenders.append(f"{p.relative_to(REPO)} imports private {name}")
            if name.startswith("plugins"):
                offenders.append(f"{p.relative_to(REPO)} imports another plugin: {name}")
    assert offenders == []


def test_the_rule_checker_catches_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from zoo.trainer import Trainer\nimport plugins.dcgan\n")
    assert imports(bad) == ["zoo.trainer", "plugins.dcgan"]
