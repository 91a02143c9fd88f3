"""Mapping errors: permanent, actionable, and complete.

A document that cannot be mapped fails with ONE `MappingError` that lists every problem found in it (each unmapped
account once, with every place it is used), so the user fixes everything in one pass. Each problem says what is
wrong, where it comes from in ERPNext, and where to fix it. Retrying without a fix cannot help, so the engine treats
a MappingError as permanent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

RETRY = "then press Retry on the QuickBooks sync record"


@dataclass(frozen=True)
class Problem:
	message: str
	fix: str

	def __str__(self) -> str:
		return f"{self.message} {self.fix}".strip()


class MappingError(Exception):
	"""One or more problems that stop a document from being mapped; `str()` is the text shown to the user."""

	def __init__(self, message: str, fix: str = "", problems: Sequence[Problem] | None = None):
		self.problems: tuple[Problem, ...] = tuple(problems) if problems else (Problem(message, fix),)
		self.message = message
		self.fix = fix
		super().__init__(self._text())

	@classmethod
	def collect(cls, subject: str, problems: Sequence[Problem]) -> MappingError:
		if len(problems) == 1:
			only = problems[0]
			return cls(f"{subject}: {only.message}", only.fix)
		return cls(f"{subject} cannot be sent to QuickBooks ({len(problems)} problems).", "", problems)

	def _text(self) -> str:
		if len(self.problems) == 1:
			return f"{self.message} {self.fix}".strip()
		return "\n".join([self.message, *(f"- {problem}" for problem in self.problems)])


class Problems:
	"""Collects problems while a document is mapped; `raise_if_any` turns them into one MappingError."""

	def __init__(self, subject: str):
		self.subject = subject
		self._items: list[Problem] = []

	def add(self, message: str, fix: str) -> None:
		problem = Problem(message, fix)
		if problem not in self._items:
			self._items.append(problem)

	def __bool__(self) -> bool:
		return bool(self._items)

	def raise_if_any(self) -> None:
		if self._items:
			raise MappingError.collect(self.subject, self._items)
