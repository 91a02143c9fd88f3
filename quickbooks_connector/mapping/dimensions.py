"""Cost centers -> QuickBooks Classes, and one accounting dimension -> QuickBooks Departments (Locations).

Each planned line keeps the dimensions of the ERPNext row it comes from (`Tags`): the row's cost center, and the
value of the chosen dimension (the row's own, else the document's, as ERPNext's `get_gl_dict` fills GL rows).
Where QuickBooks keeps them (Intuit's entity reference; [U] marks what it leaves open):
- Class: per line (SalesItemLineDetail / AccountBasedExpenseLineDetail / JournalEntryLineDetail .ClassRef), or,
  when the company assigns one class per transaction (Preferences AccountingInfoPrefs.ClassTrackingPerTxn), on the
  header of sales forms (Invoice, CreditMemo). Expense forms and journal entries keep classes per line either way
  [U: whether QuickBooks refuses line classes on a per-transaction company]. Payments and Bill Payments carry none.
- Department: on the header of every form (Invoice, CreditMemo, Bill, VendorCredit, Payment, BillPayment, and the
  Check / Deposit of a refund), per line on a JournalEntry (JournalEntryLineDetail.DepartmentRef): a payment's
  deductions journal and an internal transfer put the payment's cost center and value on the lines without a row
  of their own.
A form has one Department (and, per transaction, one Class): lines whose values differ cannot be sent as they are.

Off unless configured: no Class without `ctx.track_classes`, no Department without `ctx.department_field`. A line
without a cost center (or dimension value) carries none; one whose value is not mapped stops the document with
what to map.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from quickbooks_connector.mapping.context import MappingContext, QBOListRef
from quickbooks_connector.mapping.errors import Problems, _

CLASS_REF = "ClassRef"
DEPARTMENT_REF = "DepartmentRef"
SETTINGS_FIX = _(
	"Map it under QuickBooks Settings > Dimensions (Suggest Dimension Mappings matches or creates it in "
	"QuickBooks), then press Retry on the QuickBooks sync record."
)


@dataclass(frozen=True)
class Tags:
	"""The dimensions of the ERPNext row a line comes from."""

	cost_center: str | None = None
	value: str | None = None  # of the dimension sent as the QuickBooks Department


NO_TAGS = Tags()


def tags_of(
	row: Mapping | None, doc: Mapping, ctx: MappingContext, cost_center_field: str = "cost_center"
) -> Tags:
	"""A row's tags: its cost center (`cost_center_field`), and the chosen dimension's value, the row's own else
	the document's. `row` None: the document's own (lines it posts itself: rounding, write-off...)."""
	source = row if row is not None else doc
	field = ctx.department_field
	value = (source.get(field) or doc.get(field)) if field else None
	return Tags(source.get(cost_center_field) or None, value or None)


class Dimensions:
	"""Looks classes and departments up; each unmapped cost center or value becomes one problem naming its uses."""

	def __init__(self, ctx: MappingContext, problems: Problems):
		self.ctx = ctx
		self.problems = problems
		self._classes: dict[str, list[str]] = {}
		self._departments: dict[str, list[str]] = {}

	@property
	def classes_on(self) -> bool:
		return self.ctx.track_classes

	@property
	def departments_on(self) -> bool:
		return bool(self.ctx.department_field)

	def class_of(self, tags: Tags, place: str) -> QBOListRef | None:
		if not self.classes_on or not tags.cost_center:
			return None
		return _look_up(self.ctx.class_map, tags.cost_center, place, self._classes)

	def department_of(self, tags: Tags, place: str) -> QBOListRef | None:
		if not self.departments_on or not tags.value:
			return None
		return _look_up(self.ctx.department_map, tags.value, place, self._departments)

	def line_refs(self, tags: Tags, place: str) -> dict:
		"""ClassRef and DepartmentRef of a journal entry line."""
		refs = {}
		klass, department = self.class_of(tags, place), self.department_of(tags, place)
		if klass is not None:
			refs[CLASS_REF] = klass.ref()
		if department is not None:
			refs[DEPARTMENT_REF] = department.ref()
		return refs

	def line_class(self, tags: Tags, place: str, *, sales_form: bool) -> dict:
		"""ClassRef of a form's line: none on a sales form of a company that assigns one class per transaction."""
		if sales_form and self.ctx.class_per_transaction:
			return {}
		klass = self.class_of(tags, place)
		return {CLASS_REF: klass.ref()} if klass is not None else {}

	def header(self, tagged: Iterable[tuple[Tags, str]], *, sales_form: bool) -> dict:
		"""The form's DepartmentRef (and, on a sales form of a per-transaction company, its ClassRef): the one value
		its lines share. Lines that differ are a problem: QuickBooks keeps one per form."""
		tagged = list(tagged)
		refs = {}
		department, differing = _one(
			[(self.department_of(tags, place), tags.value, place) for tags, place in tagged]
		)
		if differing:
			self.problems.add(
				"departments_differ",
				_(
					"QuickBooks keeps one location per transaction, but the lines are on different values of "
					"{dimension}: {values}."
				),
				_(
					"Give every line the same {dimension} (cancel and amend), or make one document per "
					"{dimension}, then press Retry on the QuickBooks sync record."
				),
				dimension=self.ctx.department_label or self.ctx.department_field,
				values=differing,
			)
		if department is not None:
			refs[DEPARTMENT_REF] = department.ref()
		if not (sales_form and self.ctx.class_per_transaction):
			return refs
		klass, differing = _one(
			[(self.class_of(tags, place), tags.cost_center, place) for tags, place in tagged]
		)
		if differing:
			self.problems.add(
				"classes_differ",
				_(
					"QuickBooks is set to one class per transaction, but the lines are on cost centers mapped to "
					"different classes: {values}."
				),
				_(
					"Turn on one class per row in QuickBooks (Settings > Account and settings > Advanced > "
					"Categories > Track classes > Assign classes: One to each row in transaction) or put every "
					"line on one cost center (cancel and amend); then Test Connection on QuickBooks Settings reads the "
					"preference again, and press Retry on the QuickBooks sync record."
				),
				values=differing,
			)
		if klass is not None:
			refs[CLASS_REF] = klass.ref()
		return refs

	def report(self) -> None:
		for cost_center, places in self._classes.items():
			self.problems.add(
				"cost_center_not_mapped",
				_("ERPNext cost center '{cost_center}' ({places}) is not mapped to a QuickBooks class."),
				SETTINGS_FIX,
				cost_center=cost_center,
				places="; ".join(places),
			)
		for value, places in self._departments.items():
			self.problems.add(
				"dimension_value_not_mapped",
				_("{dimension} '{value}' ({places}) is not mapped to a QuickBooks location (Department)."),
				SETTINGS_FIX,
				dimension=self.ctx.department_label or self.ctx.department_field,
				value=value,
				places="; ".join(places),
			)


def _one(found: list[tuple[QBOListRef | None, str | None, str]]) -> tuple[QBOListRef | None, str]:
	"""The one record the lines name (None when none does), or what they name when they differ."""
	by_id: dict[str, tuple[QBOListRef, list[str]]] = {}
	for ref, source, place in found:
		if ref is not None:
			by_id.setdefault(ref.id, (ref, []))[1].append(f"{source} on {place}")
	if len(by_id) > 1:
		return None, "; ".join(
			f"{ref.name or ref.id} ({', '.join(places)})" for ref, places in by_id.values()
		)
	return (next(iter(by_id.values()))[0] if by_id else None), ""


def _look_up(
	mapped: Mapping[str, QBOListRef], key: str, place: str, missing: dict[str, list[str]]
) -> QBOListRef | None:
	ref = mapped.get(key)
	if ref is None:
		places = missing.setdefault(key, [])
		if place not in places:
			places.append(place)
	return ref
