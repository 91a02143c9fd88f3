"""No import circle among the app's modules, the Frappe layer's included, read from the source with `ast` (no
frappe needed).

Every import counts, also those inside functions (an import deferred to dodge a circle is still a circle); only
imports under `if TYPE_CHECKING:` are left out, as they never run. `from package import name` counts as an import of
the submodule when `name` is one, of the package otherwise.
"""

import ast
from functools import cache
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent / "quickbooks_connector"
PACKAGE = PACKAGE_ROOT.name
FRAPPE_LAYER = f"{PACKAGE}.{PACKAGE}"
# Circles that predate this check, inside the emulator (function-level imports between its entity writers and the
# modules they call back into). Tolerated while they last, or a part of one; any other circle fails.
KNOWN_CIRCLES = (
	frozenset(
		{f"{PACKAGE}.emulator.currencies", f"{PACKAGE}.emulator.entities", f"{PACKAGE}.emulator.sample"}
	),
)


def module_name(path: Path) -> str:
	return ".".join(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts).removesuffix(".__init__")


def app_modules() -> dict[str, Path]:
	return {module_name(path): path for path in sorted(PACKAGE_ROOT.rglob("*.py"))}


def runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
	"""Every import statement outside `if TYPE_CHECKING:` blocks."""
	found = []

	def visit(node: ast.AST) -> None:
		if isinstance(node, ast.If) and _is_type_checking(node.test):
			for child in node.orelse:
				visit(child)
			return
		if isinstance(node, ast.Import | ast.ImportFrom):
			found.append(node)
		for child in ast.iter_child_nodes(node):
			visit(child)

	visit(tree)
	return found


def _is_type_checking(test: ast.expr) -> bool:
	return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
		isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
	)


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
	"""The app's modules `name` imports."""
	is_package = path.name == "__init__.py"
	targets = set()
	for node in runtime_imports(ast.parse(path.read_text(), filename=str(path))):
		if isinstance(node, ast.Import):
			targets.update(_known(alias.name, modules) for alias in node.names)
			continue
		base = node.module or ""
		if node.level:
			package = name if is_package else name.rpartition(".")[0]
			for _ in range(node.level - 1):
				package = package.rpartition(".")[0]
			base = f"{package}.{base}".rstrip(".")
		for alias in node.names:
			submodule = f"{base}.{alias.name}"
			targets.add(submodule if submodule in modules else _known(base, modules))
	return {target for target in targets if target and target != name}


def _known(dotted: str, modules: dict[str, Path]) -> str | None:
	"""The longest prefix of `dotted` that is one of the app's modules (None for other packages)."""
	parts = dotted.split(".")
	while parts:
		candidate = ".".join(parts)
		if candidate in modules:
			return candidate
		parts.pop()
	return None


@cache
def import_graph() -> dict[str, set[str]]:
	modules = app_modules()
	return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
	"""The strongly connected components with more than one module (Tarjan), each sorted."""
	index: dict[str, int] = {}
	low: dict[str, int] = {}
	stack: list[str] = []
	on_stack: set[str] = set()
	found = []

	def connect(node: str) -> None:
		index[node] = low[node] = len(index)
		stack.append(node)
		on_stack.add(node)
		for target in sorted(graph.get(node, ())):
			if target not in index:
				connect(target)
				low[node] = min(low[node], low[target])
			elif target in on_stack:
				low[node] = min(low[node], index[target])
		if low[node] == index[node]:
			component = []
			while True:
				member = stack.pop()
				on_stack.discard(member)
				component.append(member)
				if member == node:
					break
			if len(component) > 1:
				found.append(sorted(component))

	for node in sorted(graph):
		if node not in index:
			connect(node)
	return found


def test_the_graph_sees_the_frappe_layer():
	graph = import_graph()
	assert f"{FRAPPE_LAYER}.connection" in graph
	assert f"{FRAPPE_LAYER}.push" in graph[f"{FRAPPE_LAYER}.connection"]
	assert f"{PACKAGE}.constants" in graph[f"{PACKAGE}.mapping.registry"]


def test_deferred_and_type_only_imports_are_told_apart():
	source = (
		"from typing import TYPE_CHECKING\n"
		"if TYPE_CHECKING:\n"
		f"    from {FRAPPE_LAYER} import push\n"
		"def later():\n"
		f"    from {FRAPPE_LAYER}.connection import callback\n"
	)
	imports = runtime_imports(ast.parse(source))
	assert [node.module for node in imports if isinstance(node, ast.ImportFrom)] == [
		"typing",
		f"{FRAPPE_LAYER}.connection",
	]


def test_cycles_are_found():
	assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
	assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_in_the_frappe_layer():
	"""Stricter than the whole-app check: no circle touches the Frappe layer, known or not."""
	found = [
		component
		for component in cycles(import_graph())
		if any(m.startswith(FRAPPE_LAYER) for m in component)
	]
	assert not found, "import circles:\n" + "\n".join(" <-> ".join(component) for component in found)


def test_no_import_circle_among_the_apps_modules():
	found = [
		component
		for component in cycles(import_graph())
		if not any(set(component) <= known for known in KNOWN_CIRCLES)
	]
	assert not found, "import circles:\n" + "\n".join(" <-> ".join(component) for component in found)
