"""Problems as data: what stops a document, a push or a settings row, rendered once for every reader.

A `Problem` says what is wrong and what to do as data: a stable `code`, a `message` and a `fix` TEMPLATE with named
placeholders (str.format style), and the `facts` that fill them (account names, amounts, rows, documents, as plain
strings). The core never translates: it marks each template with the no-op `_()` below where the problem is raised,
so Frappe's translation extractor, which collects the literal `_("...")` calls of every .py file of the app, offers
them to translators. `render` is the one way to turn a problem into text: English by default (sync records, logs,
exceptions), or translated and HTML-escaped by the Frappe side with `render(problem, frappe._, escape_html)`.

A document that cannot be mapped fails with ONE `MappingError` that lists every problem found in it (each unmapped
account once, with every place it is used), under a heading naming the document, so the user fixes everything in one
pass. Retrying without a fix cannot help, so the engine treats a MappingError as permanent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from string import Formatter
from typing import Any

Text = Callable[[str], str]

# Codes of the headings a MappingError puts above its problems (see `render_all`)
ONE_PROBLEM = "document_problem"
SEVERAL_PROBLEMS = "document_problems"


def _(text: str) -> str:
	"""Marks a template for translation; translating is `render`'s job, with the translate function it is given."""
	return text


def _same(text: str) -> str:
	return text


@dataclass(frozen=True)
class Problem:
	"""One thing wrong, as data. `message` and `fix` are templates whose {placeholders} name keys of `facts`;
	`terms` names the facts that are fixed vocabulary (a Select option such as an account mapping's purpose), which
	`render` translates along with the templates. Every other fact is shown as it is, escaped."""

	code: str
	message: str
	fix: str = ""
	facts: dict[str, str] = field(default_factory=dict)
	terms: tuple[str, ...] = ()

	@classmethod
	def of(
		cls, code: str, message: str, fix: str = "", /, *, terms: Iterable[str] = (), **facts: Any
	) -> Problem:
		"""A problem from its code, templates and facts (each turned into a plain string)."""
		return cls(code, message, fix, {key: str(value) for key, value in facts.items()}, tuple(terms))

	@classmethod
	def from_dict(cls, data: Mapping[str, Any]) -> Problem:
		"""A problem from `as_dict` (a sync record's stored problems, for instance)."""
		return cls(
			data["code"],
			data.get("message") or "",
			data.get("fix") or "",
			dict(data.get("facts") or {}),
			tuple(data.get("terms") or ()),
		)

	def as_dict(self) -> dict[str, Any]:
		"""JSON-ready: {"code", "message", "fix", "facts"}, plus "terms" when the problem has any."""
		data: dict[str, Any] = {
			"code": self.code,
			"message": self.message,
			"fix": self.fix,
			"facts": dict(self.facts),
		}
		if self.terms:
			data["terms"] = list(self.terms)
		return data

	@property
	def row(self) -> int | None:
		"""The table row a settings problem is about (facts["row"]), if any."""
		row = self.facts.get("row")
		return int(row) if row else None

	@property
	def subject(self) -> str:
		"""What a settings problem is about (facts["subject"]): an account, a template, a QuickBooks record."""
		return self.facts.get("subject", "")

	def __str__(self) -> str:
		return render(self)

	def __hash__(self) -> int:
		return hash((self.code, self.message, self.fix, tuple(sorted(self.facts.items())), self.terms))


def render(problem: Problem | Mapping[str, Any], translate: Text = _same, escape: Text = _same) -> str:
	"""The problem as one text, message then fix: templates translated, facts escaped (terms translated first).

	A translation that lost or misspelt a placeholder falls back to the English template rather than fail; a fact
	missing from an English template shows as its {placeholder}."""
	if not isinstance(problem, Problem):
		problem = Problem.from_dict(problem)
	facts = {
		key: escape(translate(value) if key in problem.terms else value)
		for key, value in problem.facts.items()
	}
	parts = (_fill(template, facts, translate) for template in (problem.message, problem.fix) if template)
	return " ".join(part for part in parts if part)


def render_all(
	problems: Sequence[Problem | Mapping[str, Any]], translate: Text = _same, escape: Text = _same
) -> str:
	"""Several problems as one text, as a MappingError (or a sync record's `problems`) lists them: a heading for one
	problem shares its line ("Sales Invoice X: ..."), a heading for several lists them below, one per line."""
	items = [problem if isinstance(problem, Problem) else Problem.from_dict(problem) for problem in problems]
	texts = [render(problem, translate, escape) for problem in items]
	if len(items) > 1 and items[0].code == SEVERAL_PROBLEMS:
		return "\n".join([texts[0], *(f"- {text}" for text in texts[1:])])
	return " ".join(texts)


def placeholders(template: str) -> set[str]:
	"""The names of a template's {placeholders}."""
	return {name for _literal, name, _spec, _conversion in Formatter().parse(template) if name is not None}


def _fill(template: str, facts: Mapping[str, str], translate: Text) -> str:
	translated = translate(template)
	try:
		return translated.format(**facts)
	except (KeyError, IndexError, ValueError, AttributeError):
		if translated != template:
			return _fill(template, facts, _same)
		return template.format_map(_Missing(facts))


class _Missing(dict):
	def __missing__(self, key: str) -> str:
		return "{" + key + "}"


class MappingError(Exception):
	"""One or more problems that stop a document from being mapped; `str()` is the English text shown to the user.

	With a `subject` (the document), a `heading` names it: "Sales Invoice X:" before a single problem, "Sales
	Invoice X cannot be sent to QuickBooks (2 problems)." above several. `with_heading` is what to store and render
	(see `render_all`)."""

	def __init__(self, problems: Problem | Sequence[Problem], subject: str | None = None):
		self.problems: tuple[Problem, ...] = (problems,) if isinstance(problems, Problem) else tuple(problems)
		self.heading: Problem | None = _heading(subject, len(self.problems)) if subject else None
		super().__init__(render_all(self.with_heading))

	@property
	def with_heading(self) -> tuple[Problem, ...]:
		return (self.heading, *self.problems) if self.heading else self.problems


def _heading(subject: str, count: int) -> Problem:
	if count == 1:
		return Problem.of(ONE_PROBLEM, _("{subject}:"), subject=subject)
	return Problem.of(
		SEVERAL_PROBLEMS,
		_("{subject} cannot be sent to QuickBooks ({count} problems)."),
		subject=subject,
		count=count,
	)


class Problems:
	"""Collects problems while a document is mapped; `raise_if_any` turns them into one MappingError."""

	def __init__(self, subject: str):
		self.subject = subject
		self._items: list[Problem] = []

	def add(self, code: str, message: str, fix: str = "", /, **facts: Any) -> None:
		"""Adds `Problem.of(code, message, fix, **facts)`, once."""
		self.append(Problem.of(code, message, fix, **facts))

	def append(self, problem: Problem) -> None:
		if problem not in self._items:
			self._items.append(problem)

	def __bool__(self) -> bool:
		return bool(self._items)

	def raise_if_any(self) -> None:
		if self._items:
			raise MappingError(self._items, self.subject)
