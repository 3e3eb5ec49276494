"""House rules of the layout: zoo's modules import each other without cycles (imports inside
functions included), the core never imports the built-in plugins, and plugins use only zoo's
public API."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: the modules a plugin may import (the built-ins are held to what third parties get)
PUBLIC = {
    "zoo",
    "zoo.nn",
    "zoo.nn.translation",
    "zoo.nn.dcgan",
    "zoo.nn.stylegan",
    "zoo.losses",
    "zoo.masks",
    "zoo.data.degradations",
    "zoo.testing",
    "zoo.tasks",
    "zoo.data",
    "zoo.importers",
}


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Dotted name -> file, for every module of the package in ``root``."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return {n: p for n, p in names.items() if n == package or n.startswith(package + ".")}


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def imported(path: Path, name: str, modules: set[str]) -> set[str]:
    """Modules of ``modules`` that ``name`` (the module in ``path``) imports when it runs: at
    the top or inside functions, not under ``if TYPE_CHECKING``. Importing ``a.b.c`` also
    runs the packages ``a.b`` and ``a``, except those that contain ``name`` itself."""
    targets: set[str] = set()
    is_package = path.name == "__init__.py"
    stack: list[ast.AST] = [ast.parse(path.read_text())]
    while stack:
        node = stack.pop()
        if _is_type_checking(node):
            continue
        stack.extend(ast.iter_child_nodes(node))
        found = []
        if isinstance(node, ast.Import):
            found = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append(sub if sub in modules else base)
        for target in found:
            if target in modules and target != name:
                targets.add(target)
            parts = target.split(".")
            for i in range(1, len(parts)):
                parent = ".".join(parts[:i])
                if parent in modules and not (name + ".").startswith(parent + "."):
                    targets.add(parent)
    return targets


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    modules = module_names(root, package)
    return {n: imported(p, n, set(modules)) for n, p in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_zoo_has_no_import_cycles():
    graph = import_graph(REPO / "zoo", "zoo")
    assert len(graph) > 40  # the walk found the package
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_cycle_finder_sees_imports_inside_functions(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from pkg.sub import low\n")
    (pkg / "sub" / "low.py").write_text("def f():\n    from pkg import high\n")
    (pkg / "high.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import other\n"
        "from pkg.sub.low import f\n"
    )
    (pkg / "other.py").write_text("import pkg.high\n")
    graph = import_graph(pkg, "pkg")
    assert graph["pkg.sub.low"] == {"pkg.high"}  # not its own package pkg.sub
    assert graph["pkg.high"] == {"pkg.sub.low", "pkg.sub"}  # not other: TYPE_CHECKING only
    assert find_cycle(graph) == ["pkg.high", "pkg.sub", "pkg.sub.low", "pkg.high"]
    (pkg / "sub" / "low.py").write_text("def f():\n    pass\n")
    assert find_cycle(import_graph(pkg, "pkg")) is None


def test_core_never_imports_plugins():
    graph_targets = [
        (p, name)
        for p in (REPO / "zoo").rglob("*.py")
        for name in all_imports(p)
        if name.split(".")[0] in ("plugins", "zoo_builtin")
    ]
    assert graph_targets == []


def all_imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module)
    return names


def test_plugins_import_only_public_zoo_api_and_no_other_plugin():
    offenders = []
    for p in (REPO / "plugins").rglob("*.py"):
        package = p.relative_to(REPO / "plugins").parts[:2]
        for name in all_imports(p):
            if name.startswith("zoo.") and name not in PUBLIC or name.startswith("zoo._"):
                offenders.append(f"{p.relative_to(REPO)} imports private {name}")
            if name.startswith(("plugins", "zoo_builtin.")) and not name.startswith(
                ".".join(package)
            ):
                offenders.append(f"{p.relative_to(REPO)} imports another plugin: {name}")
    assert offenders == []


def test_the_rule_checker_catches_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from zoo.train import Trainer\nimport zoo_builtin.dcgan\n")
    assert all_imports(bad) == ["zoo.train", "zoo_builtin.dcgan"]
    assert "zoo.train" not in PUBLIC


def test_the_builtins_install_under_the_zoos_namespace_only():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    installed = {Path(p).name for p in wheel["packages"]}
    assert installed == {"zoo", "zoo_builtin"}
    targets = project["project"]["entry-points"]["zoo.architectures"].values()
    assert all(t.startswith("zoo_builtin.") for t in targets)


def task_name_comparisons(path: Path) -> list[str]:
    """Comparisons of a ``task`` (or ``task.name``) with a string: behaviour chosen by task name
    instead of asking the task object."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        mentions_task = any(
            (isinstance(s, ast.Attribute) and s.attr == "task")
            or (isinstance(s, ast.Name) and s.id == "task")
            or (
                isinstance(s, ast.Attribute)
                and s.attr == "name"
                and isinstance(s.value, ast.Attribute)
                and s.value.attr == "task"
            )
            for s in sides
        )
        strings = any(
            isinstance(s, ast.Constant)
            and isinstance(s.value, str)
            or isinstance(s, (ast.Tuple, ast.List, ast.Set))
            for s in sides
        )
        if mentions_task and strings:
            found.append(f"{path}:{node.lineno}")
    return found


def test_no_behaviour_is_chosen_by_comparing_task_names(tmp_path):
    places = [REPO / "zoo", REPO / "benchmarks", REPO / "plugins"]
    found = [hit for root in places for p in root.rglob("*.py") for hit in task_name_comparisons(p)]
    assert found == []
    bad = tmp_path / "bad.py"
    bad.write_text("if model.task == 'unconditional':\n    pass\nok = cls.task.name in ('x',)\n")
    assert len(task_name_comparisons(bad)) == 2
