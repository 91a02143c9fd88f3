"""The pytest tier's contract: the core (client, emulator, mapping, engine) never imports frappe or erpnext."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parent.parent / "quickbooks_connector"
CORE_PACKAGES = ("qbo", "emulator", "mapping", "sync", "inbound", "reconcile")
CORE_MODULES = ("demo.py", "constants.py")  # constants: names the core may use too
FRAMEWORK_MODULES = ("frappe", "erpnext")


def core_modules() -> list[Path]:
	packaged = [path for package in CORE_PACKAGES for path in (PACKAGE_ROOT / package).rglob("*.py")]
	return sorted([*packaged, *(PACKAGE_ROOT / module for module in CORE_MODULES)])


def imported_roots(path: Path) -> set[str]:
	roots = set()
	for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
		if isinstance(node, ast.Import):
			roots.update(alias.name.split(".")[0] for alias in node.names)
		elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
			roots.add(node.module.split(".")[0])
	return roots


def test_core_packages_exist():
	missing = [name for name in CORE_PACKAGES if not (PACKAGE_ROOT / name / "__init__.py").is_file()]
	assert not missing, f"core packages missing: {missing}"


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(PACKAGE_ROOT)))
def test_core_module_does_not_import_framework(path: Path):
	assert not imported_roots(path) & set(FRAMEWORK_MODULES)


def test_core_imports_with_framework_unavailable():
	"""Import every core module in a fresh interpreter where importing frappe/erpnext fails."""
	modules = [
		".".join(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
		for path in core_modules()
		if path.name != "__main__.py"
	]
	script = (
		"import sys\n"
		"class Block:\n"
		"    def find_spec(self, name, path=None, target=None):\n"
		f"        if name.split('.')[0] in {FRAMEWORK_MODULES!r}: raise ImportError('blocked: ' + name)\n"
		"sys.meta_path.insert(0, Block())\n"
		"import importlib\n"
		f"for m in {modules!r}: importlib.import_module(m)\n"
	)
	result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
	assert result.returncode == 0, result.stderr
