"""The conformance run of benchmarks/conformance_emulator.py (plain ``requests``, a published workflow per
entity) passes in full against the emulator, for a US and a non-US company."""

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "conformance_emulator.py"


def load_script():
	spec = importlib.util.spec_from_file_location("conformance_emulator", SCRIPT)
	module = importlib.util.module_from_spec(spec)
	sys.modules[spec.name] = module  # dataclasses look their module up there
	spec.loader.exec_module(module)
	return module


@pytest.mark.parametrize("country", ["US", "GB", "FR"])
def test_every_conformance_workflow_passes(emulator, country):
	script = load_script()
	outcomes = script.run(emulator.base_url, script.create_company(emulator.base_url, country))

	failed = [
		f"{outcome.entity} / {outcome.workflow}: {outcome.detail}"
		for outcome in outcomes
		if not outcome.passed
	]
	assert not failed, "\n".join(failed)
	assert len(outcomes) == len(script.WORKFLOWS)
