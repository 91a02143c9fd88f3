"""Problems are data: a stable code for one pair of literal templates, the facts those templates name, and one render.

The static tests read every core module that marks templates with `mapping.errors._`: each template is one literal
string (what Frappe's translation extractor collects), each belongs to a coded problem, each code has one template
pair, and each place that raises a problem gives every fact its templates name. The dynamic tests provoke problems
from the bundled sample documents, the explanations of QuickBooks faults and the engine, and check them the same way.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest

from quickbooks_connector.mapping import MappingError, Skip
from quickbooks_connector.mapping.errors import (
	ONE_PROBLEM,
	SEVERAL_PROBLEMS,
	Problem,
	placeholders,
	render,
	render_all,
)
from quickbooks_connector.mapping.stock import DAILY_SUMMARY, PER_VOUCHER
from quickbooks_connector.qbo import errors as qbo
from quickbooks_connector.sample_data import as_posted
from quickbooks_connector.sync import settings_rules
from quickbooks_connector.sync.engine import SyncPolicy
from quickbooks_connector.sync.explain import explain
from quickbooks_connector.sync.port import DocumentBusy

from .support import EXEMPT, Resolved, global_context, samples, us_context

PACKAGE = Path(__file__).resolve().parents[2] / "quickbooks_connector"
CORE = ("mapping", "sync", "qbo")
CODE = re.compile(r"^[a-z][a-z0-9_]*$")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


# -- reading the sources -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
	"""A place that makes a coded problem: Problem.of(code, _(message), _(fix), **facts) or Problems.add(...)."""

	where: str
	code: str
	message: str
	fix: str
	facts: frozenset[str] | None  # None: the facts are not all spelt out at the site


def marking_modules() -> list[Path]:
	paths = [path for package in CORE for path in sorted((PACKAGE / package).rglob("*.py"))]
	return [path for path in paths if _marks_templates(ast.parse(path.read_text()))]


def _marks_templates(tree: ast.Module) -> bool:
	return any(
		isinstance(node, ast.ImportFrom)
		and node.module == "quickbooks_connector.mapping.errors"
		and any(alias.name == "_" for alias in node.names)
		for node in tree.body
	) or any(isinstance(node, ast.FunctionDef) and node.name == "_" for node in tree.body)


def _is_marked(node: ast.AST) -> bool:
	return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"


def marked_calls() -> list[tuple[str, ast.Call]]:
	return [
		(f"{path.relative_to(PACKAGE)}:{node.lineno}", node)
		for path in marking_modules()
		for node in ast.walk(ast.parse(path.read_text()))
		if _is_marked(node)
	]


class _Reader:
	def __init__(self, path: Path):
		self.path = path
		self.tree = ast.parse(path.read_text())
		self.constants = {
			target.id: node.value.value
			for node in self.tree.body
			if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
			for target in node.targets
			if isinstance(target, ast.Name)
		}
		self.used: set[int] = set()  # ids of the _() calls that belong to a site

	def sites(self) -> list[Site]:
		"""Every call whose first argument is a code and whose second a marked template, read in the function
		that holds it."""
		found = []
		self._walk(self.tree, self.tree, found)
		return found

	def _walk(self, node: ast.AST, function: ast.AST, found: list[Site]) -> None:
		for child in ast.iter_child_nodes(node):
			scope = child if isinstance(child, ast.FunctionDef) else function
			if isinstance(child, ast.Call) and len(child.args) >= 2:
				site = self._site(scope, child)
				if site:
					found.append(site)
			self._walk(child, scope, found)

	def _site(self, function: ast.AST, call: ast.Call) -> Site | None:
		code = self._code(call.args[0])
		message = self._template(function, call.args[1], call.lineno)
		if code is None or message is None:
			return None
		fix = self._template(function, call.args[2], call.lineno) if len(call.args) > 2 else ""
		if fix is None:
			return None
		return Site(
			f"{self.path.relative_to(PACKAGE)}:{call.lineno}", code, message, fix, self._facts(function, call)
		)

	def _code(self, node: ast.AST) -> str | None:
		if isinstance(node, ast.Constant) and isinstance(node.value, str):
			return node.value
		if isinstance(node, ast.Name) and isinstance(self.constants.get(node.id), str):
			return self.constants[node.id]
		return None

	def _template(self, function: ast.AST, node: ast.AST, line: int) -> str | None:
		"""The literal of `_("...")`, directly or through the latest `name = _("...")` before `line` in the
		function, else in the module."""
		if isinstance(node, ast.Name):
			for scope in (function, self.tree):
				assigned = [
					statement.value
					for statement in (ast.walk(scope) if scope is function else scope.body)
					if isinstance(statement, ast.Assign)
					and (statement.lineno < line or scope is self.tree)
					and any(isinstance(t, ast.Name) and t.id == node.id for t in statement.targets)
				]
				if assigned:
					node = max(assigned, key=lambda value: value.lineno)
					break
		if not _is_marked(node):
			return None
		self.used.add(id(node))
		return node.args[0].value

	def _facts(self, function: ast.AST, call: ast.Call) -> frozenset[str] | None:
		names = {keyword.arg for keyword in call.keywords if keyword.arg and keyword.arg != "terms"}
		for keyword in call.keywords:
			if keyword.arg is not None:
				continue
			if not isinstance(keyword.value, ast.Name):
				return None
			keys = self._dict_keys(function, keyword.value.id)
			if keys is None:
				return None
			names |= keys
		return frozenset(names)

	def _dict_keys(self, function: ast.AST, name: str) -> set[str] | None:
		"""Keys of `name = {...}` literals and `name.update(key=...)` calls in the function."""
		keys: set[str] = set()
		found = False
		for node in ast.walk(function):
			if isinstance(node, ast.Assign) and any(
				isinstance(t, ast.Name) and t.id == name for t in node.targets
			):
				if not isinstance(node.value, ast.Dict) or None in node.value.keys:
					return None
				keys |= {key.value for key in node.value.keys if isinstance(key, ast.Constant)}
				found = True
			if (
				isinstance(node, ast.Call)
				and isinstance(node.func, ast.Attribute)
				and isinstance(node.func.value, ast.Name)
				and node.func.value.id == name
				and node.func.attr == "update"
			):
				keys |= {keyword.arg for keyword in node.keywords if keyword.arg}
		return keys if found else None


def read_sources() -> tuple[list[Site], set[int], list[tuple[str, ast.Call]]]:
	sites, used, marked = [], set(), []
	for path in marking_modules():
		reader = _Reader(path)
		sites.extend(reader.sites())
		used |= reader.used
		marked.extend(
			(f"{path.relative_to(PACKAGE)}:{node.lineno}", node)
			for node in ast.walk(reader.tree)
			if _is_marked(node)
		)
	return sites, used, marked


SITES, USED, MARKED = read_sources()
SETTINGS_TEMPLATES = {code: pair for code, pair in settings_rules.TEMPLATES.items()}


def templates_by_code() -> dict[str, set[tuple[str, str]]]:
	pairs: dict[str, set[tuple[str, str]]] = {}
	for site in SITES:
		pairs.setdefault(site.code, set()).add((site.message, site.fix))
	for code, pair in SETTINGS_TEMPLATES.items():
		pairs.setdefault(code, set()).add(pair)
	return pairs


CODES = templates_by_code()


# -- static ----------------------------------------------------------------------------------------------------


def test_the_sources_hold_the_expected_problems():
	assert {"mapping/lines.py", "mapping/payment.py", "sync/engine.py", "sync/explain.py"} <= {
		site.where.split(":")[0] for site in SITES
	}
	assert len(CODES) >= 90


@pytest.mark.parametrize("where_call", MARKED, ids=lambda pair: pair[0])
def test_every_template_is_one_literal_string_with_named_placeholders(where_call):
	where, call = where_call
	assert len(call.args) == 1 and not call.keywords, where
	(literal,) = call.args
	assert isinstance(literal, ast.Constant) and isinstance(literal.value, str), f"{where}: not a literal"
	assert all(IDENTIFIER.match(name) for name in placeholders(literal.value)), where


def test_every_template_belongs_to_a_coded_problem():
	settings_templates = {template for pair in SETTINGS_TEMPLATES.values() for template in pair}
	orphans = [
		where
		for where, call in MARKED
		if id(call) not in USED
		and not (where.startswith("sync/settings_rules.py") and call.args[0].value in settings_templates)
	]
	assert orphans == []


def test_every_code_is_snake_case_and_has_one_template_pair_of_its_own():
	assert [code for code in CODES if not CODE.match(code)] == []
	assert {code: pairs for code, pairs in CODES.items() if len(pairs) > 1} == {}
	owners: dict[tuple[str, str], list[str]] = {}
	for code, pairs in CODES.items():
		for pair in pairs:
			owners.setdefault(pair, []).append(code)
	assert {pair: shared for pair, shared in owners.items() if len(shared) > 1} == {}


@pytest.mark.parametrize("site", SITES, ids=lambda site: f"{site.where} {site.code}")
def test_every_site_gives_the_facts_its_templates_name(site):
	assert site.facts is not None, f"{site.where}: facts not spelt out at the site"
	missing = (placeholders(site.message) | placeholders(site.fix)) - site.facts
	assert not missing, f"{site.where} {site.code}: {missing}"


# -- dynamic ---------------------------------------------------------------------------------------------------


def check(problem: Problem) -> None:
	"""A problem as the sources register it, with every fact its templates name; English text without braces."""
	assert (problem.message, problem.fix) in CODES.get(problem.code, set()), problem.code
	missing = (placeholders(problem.message) | placeholders(problem.fix)) - set(problem.facts)
	assert not missing, (problem.code, missing)
	assert all(isinstance(value, str) for value in problem.facts.values())
	assert "{" not in render(problem).replace(problem.facts.get("detail", ""), "")
	assert Problem.from_dict(json.loads(json.dumps(problem.as_dict()))) == problem


def provoked(document: dict, ctx) -> list[Problem]:
	try:
		resolved = Resolved(document, ctx)
	except MappingError as error:
		return list(error.with_heading)
	return [resolved.planned.problem] if isinstance(resolved.planned, Skip) else []


def contexts(label: str) -> list:
	us = us_context(label)
	return [
		us,
		replace(us, account_map={}),
		replace(us, multicurrency=False),
		replace(us, qbo_home_currency="CAD"),
		replace(us, round_off_account=None, default_bank_account=None),
		replace(us, stock_journals=PER_VOUCHER),
		replace(us, stock_journals=PER_VOUCHER, account_map={}),
		replace(us, stock_journals=DAILY_SUMMARY),
		global_context(label),
		global_context(label, tax_code_map={}, exempt_tax_code=None),
		global_context(label, exempt_tax_code=None, account_map={}),
	]


def variants(document: dict) -> list[dict]:
	"""The document as it is, and edited into what the mapping refuses or does not send."""
	edits = [
		{"currency": "XYZ"},
		{"docstatus": 1, "rounding_adjustment": 0.5, "base_rounding_adjustment": 0.5},
		{"grand_total": 1_000_000.0, "rounded_total": 1_000_000.0},
		{"is_internal_customer": 1, "is_internal_supplier": 1, "represents_company": document.get("company")},
		{"taxes": [{"account_head": "x", "tax_amount": 1}]},
		{"payment_type": "Pay", "party_type": "Employee"},
		{"payment_type": "Receive", "party_type": None},
		{"doctype": "POS Invoice"},
		{"doctype": "Journal Entry"},
		{"doctype": "Material Request"},
	]
	return [document, *({**copy.deepcopy(document), **edit} for edit in edits)]


def sample_problems() -> list[Problem]:
	found = []
	for label, document in samples().documents.items():
		document = as_posted(document, samples().gl_entries[label], samples().chart)
		for ctx in contexts(label):
			for variant in variants(document):
				found.extend(provoked(variant, ctx))
	return found


@pytest.fixture(scope="module")
def from_samples() -> list[Problem]:
	return sample_problems()


def test_problems_provoked_from_the_sample_documents_are_registered_with_their_facts(from_samples):
	codes = {problem.code for problem in from_samples}
	assert {
		ONE_PROBLEM,
		SEVERAL_PROBLEMS,
		"account_not_mapped",
		"tax_account_not_mapped",
		"exempt_tax_code_not_set",
		"multicurrency_off",
		"home_currency_differs",
		"currency_not_iso_4217",
		"invoice_rounding_adjustment_without_round_off_account",
		"invoice_total_differs",
		"bill_total_differs",
		"internal_customer_transfer",
		"internal_supplier_transfer",
		"pos_invoice",
		"doctype_not_sent",
	} <= codes
	for problem in from_samples:
		check(problem)


def test_a_refused_document_keeps_its_english_text():
	document = samples().documents["sales_invoice_eur"]
	ctx = us_context("sales_invoice_eur", multicurrency=False)
	with pytest.raises(MappingError) as raised:
		Resolved(document, ctx)
	error = raised.value
	assert [problem.code for problem in error.with_heading] == [ONE_PROBLEM, "multicurrency_off"]
	assert error.heading.facts == {"subject": "Sales Invoice ACC-SINV-2026-00013"}
	assert error.problems[0].facts == {"what": "Sales Invoice ACC-SINV-2026-00013", "currency": "EUR"}
	assert str(error) == render_all(error.with_heading)


QBO_FAULTS = [
	qbo.AuthenticationError("token expired"),
	qbo.AuthorizationError("forbidden"),
	DocumentBusy("Sales Invoice X is being sent by another worker."),
	qbo.NetworkError("timed out", outcome_unknown=True),
	qbo.ServerError("HTTP 503"),
	qbo.DuplicateDocumentNumberError("Duplicate Document Number Error"),
	qbo.StaleObjectError("Stale Object Error"),
	qbo.NotFoundError("Object Not Found", detail="Customer 7 is inactive"),
	qbo.UnsendableValueError("Amount 1e30 cannot be sent"),
	qbo.ValidationError("Invalid Number", detail="Bad {value}", element="Line.Amount"),
	qbo.ValidationError("Business Validation Error", detail="Txn date too old"),
	RuntimeError("boom"),
]


@pytest.mark.parametrize("error", QBO_FAULTS, ids=lambda error: type(error).__name__)
def test_every_explanation_is_a_registered_problem_with_its_facts(error):
	explanation = explain(error, "Invoice", "SINV-1")
	(problem,) = explanation.problems
	check(problem)
	assert explanation.message == render(problem)


def test_explanations_keep_todays_wording():
	assert explain(qbo.ValidationError("Invalid", element="TxnDate"), "Invoice").message == (
		"QuickBooks rejected the Invoice (field TxnDate): Invalid [field: TxnDate]. Fix it, then press Retry on the "
		"QuickBooks sync record."
	)
	assert explain(qbo.NetworkError("timed out", outcome_unknown=True)).outcome_unknown
	assert not explain(qbo.ServerError("HTTP 503")).outcome_unknown


def test_policy_skips_are_registered_problems_and_read_as_before():
	policy = SyncPolicy(start_date=date(2021, 1, 1), enabled_doctypes=frozenset({"Sales Invoice"}))
	turned_off = policy.skip_problem({"doctype": "Purchase Invoice"}, manual=True)
	too_early = policy.skip_problem({"doctype": "Sales Invoice", "posting_date": "2020-01-01"}, manual=False)

	for problem in (turned_off, too_early):
		check(problem)
	assert policy.skip_reason({"doctype": "Sales Invoice", "posting_date": "2020-01-01"}, False) == (
		"Dated 2020-01-01, before the sync start date 2021-01-01 in QuickBooks Settings. Use Sync to QuickBooks on "
		"the document to send it anyway."
	)
	assert (
		policy.skip_problem({"doctype": "Sales Invoice", "posting_date": "2020-01-01"}, manual=True) is None
	)


# -- render ----------------------------------------------------------------------------------------------------


PROBLEM = Problem.of(
	"sample",
	"Account '{account}' is not mapped ({amount}).",
	"Map it under {where}.",
	account="<Sales & Co>",
	amount="1,000.00",
	where="Settings",
)


def test_render_translates_the_templates_and_escapes_only_the_facts():
	text = render(PROBLEM, translate=lambda s: f"«{s}»", escape=lambda s: f"[{s}]")

	assert text == "«Account '[<Sales & Co>]' is not mapped ([1,000.00]).» «Map it under [Settings].»"


def test_render_in_english_by_default_and_from_a_stored_dict():
	assert render(PROBLEM) == "Account '<Sales & Co>' is not mapped (1,000.00). Map it under Settings."
	assert render(PROBLEM.as_dict()) == render(PROBLEM) == str(PROBLEM)


def test_terms_are_translated_before_they_are_escaped():
	problem = Problem.of("term", "For {purpose} in {row}.", purpose="Income", row="2", terms=["purpose"])

	text = render(
		problem, translate={"Income": "Ertrag", "For {purpose} in {row}.": "Für {purpose} in {row}."}.get
	)

	assert text == "Für Ertrag in 2."
	assert problem.as_dict()["terms"] == ["purpose"] and "terms" not in PROBLEM.as_dict()


def test_a_translation_that_breaks_a_placeholder_falls_back_to_english():
	text = render(PROBLEM, translate=lambda s: s.replace("{account}", "{konto}"))

	assert text == "Account '<Sales & Co>' is not mapped (1,000.00). Map it under Settings."


def test_a_missing_fact_shows_as_its_placeholder():
	assert render(Problem.of("gap", "Needs {what}.")) == "Needs {what}."


def test_render_all_puts_one_problem_on_the_heading_line_and_lists_several():
	one = MappingError([PROBLEM], "Sales Invoice X")
	several = MappingError([PROBLEM, Problem.of("other", "Other.")], "Sales Invoice X")

	assert str(one) == "Sales Invoice X: " + render(PROBLEM)
	assert str(several) == (
		"Sales Invoice X cannot be sent to QuickBooks (2 problems).\n- " + render(PROBLEM) + "\n- Other."
	)
	assert render_all(
		[p.as_dict() for p in several.with_heading], lambda s: f"«{s}»", lambda s: f"[{s}]"
	) == (
		"«[Sales Invoice X] cannot be sent to QuickBooks ([2] problems).»\n"
		"- «Account '[<Sales & Co>]' is not mapped ([1,000.00]).» «Map it under [Settings].»\n"
		"- «Other.»"
	)
	assert str(MappingError(PROBLEM)) == render(PROBLEM)


def test_problems_are_hashable_and_compare_by_value():
	assert {PROBLEM, Problem.from_dict(PROBLEM.as_dict())} == {PROBLEM}
	assert EXEMPT  # the support module's exempt code stays importable for the contexts above
