"""The exactly-once soak (benchmarks/soak_exactly_once.py), small enough for every test run.

Worker processes share a SQLite store and push about 1,000 ERPNext documents per numbering mode to the emulator
through 5xx, 429, dropped answers and timeouts, SIGKILLs, cancels, amendments and edits; then QuickBooks itself is
checked: no duplicates, nothing lost, nothing live after a cancel, nothing stuck, every total right.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "soak_exactly_once.py"
MODES = ("custom", "auto")


def run_soak(tmp_path: Path, *options: str, timeout: float) -> tuple[subprocess.CompletedProcess, dict]:
	results = tmp_path / "soak.json"
	command = [
		sys.executable,
		str(SCRIPT),
		*options,
		"--work-dir",
		str(tmp_path / "work"),
		"--json-out",
		str(results),
	]
	process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
	try:
		stdout, stderr = process.communicate(timeout=timeout)
	except subprocess.TimeoutExpired:
		process.terminate()  # the soak stops its workers and the emulator on SIGTERM
		stdout, stderr = process.communicate(timeout=60)
	completed = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
	assert results.exists(), f"the soak did not finish:\n{stdout[-4000:]}\n{stderr[-4000:]}"
	return completed, json.loads(results.read_text())["modes"]


def assert_no_problems(completed: subprocess.CompletedProcess, modes: dict) -> None:
	for mode in MODES:
		problems = modes[mode]["problems"]
		found = {kind: count for kind, count in problems.items() if count}
		assert not found, f"{mode} numbering: {found}\n{completed.stdout[-6000:]}"
	assert completed.returncode == 0, completed.stdout[-6000:]


def test_soak_without_trouble_reports_nothing(tmp_path):
	"""No faults, kills, cancels or edits: whatever the engine's state, the soak's own checks find nothing."""
	completed, modes = run_soak(
		tmp_path,
		"--documents=120",
		"--fault-rate=0",
		"--kill-every=0",
		"--exit-after-write=0",
		"--cancel-share=0",
		"--edit-every=0",
		timeout=300,
	)
	assert_no_problems(completed, modes)
	for mode in MODES:
		assert sum(modes[mode]["documents"].values()) >= 120


@pytest.mark.slow
def test_soak_exactly_once_under_faults_kills_cancels_and_edits(tmp_path):
	completed, modes = run_soak(
		tmp_path,
		"--documents=1000",
		"--workers=4",
		"--fault-rate=0.1",
		"--seed=1",
		"--time-limit=240",
		"--drain-timeout=120",
		timeout=900,
	)
	for mode in MODES:  # the soak did what it says before its zeros mean anything
		faults, kills, activity = modes[mode]["faults"], modes[mode]["kills"], modes[mode]["activity"]
		for kind in (
			"5xx server error",
			"429 throttled",
			"connection dropped after the request",
			"latency past the client timeout",
		):
			assert faults.get(kind, 0) > 0, f"{mode}: no {kind}"
		assert kills.get("SIGKILL at a random moment", 0) > 0, mode
		assert kills.get("exit right after a create", 0) > 0, mode
		assert activity.get("cancel while its outcome was unknown", 0) > 0, mode
		assert activity.get("amendment submitted after the cancel", 0) > 0, mode
	assert_no_problems(completed, modes)
