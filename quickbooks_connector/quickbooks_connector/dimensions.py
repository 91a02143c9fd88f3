"""The Dimensions tab of QuickBooks Settings: cost centers -> QuickBooks Classes, and one accounting dimension
(Project, or an Accounting Dimension of the site) -> QuickBooks Departments (Locations).

Which dimensions can be chosen, what a form save checks, the suggestions (match by name, the ones that match
nothing listed) and creating the missing Classes / Departments in QuickBooks. The maps the push uses are built in
context.py.
"""

from typing import TYPE_CHECKING, Any

import frappe
from frappe import _
from frappe.utils import cstr

from quickbooks_connector.constants import (
	ACCOUNTS_MANAGER,
	CLASS,
	CLASS_MAPPINGS,
	DEPARTMENT,
	DEPARTMENT_DIMENSION,
	DEPARTMENT_MAPPINGS,
	SETTINGS,
	STANDARD_DIMENSIONS,
	SYSTEM_MANAGER,
	TRACK_CLASSES,
)
from quickbooks_connector.quickbooks_connector.reference_data import (
	class_values,
	department_values,
	sync_rows,
)
from quickbooks_connector.quickbooks_connector.safety import remote_text
from quickbooks_connector.quickbooks_connector.settings import get_client

if TYPE_CHECKING:
	from quickbooks_connector.quickbooks_connector.doctype.quickbooks_settings.quickbooks_settings import (
		QuickBooksSettings,
	)

# QuickBooks name lists: Name at most 100 characters, no ':' (the hierarchy separator)
NAME_LENGTH = 100
# kind -> (QuickBooks entity, cached doctype, its name field, the settings table, the row's link field)
KINDS = {
	"Class": ("Class", CLASS, "class_name", CLASS_MAPPINGS, "qbo_class"),
	"Department": ("Department", DEPARTMENT, "department_name", DEPARTMENT_MAPPINGS, "qbo_department"),
}
MANAGERS = (ACCOUNTS_MANAGER, SYSTEM_MANAGER)


# -- the dimension choices -------------------------------------------------------------------------------------


def dimension_fields() -> dict[str, str]:
	"""Dimension doctype -> its fieldname on rows and GL entries: the site's Accounting Dimensions, and Project,
	Branch or Department when the GL Entry has a field for them."""
	choices = {
		row.document_type: row.fieldname
		for row in frappe.get_all(
			"Accounting Dimension", filters={"disabled": 0}, fields=["document_type", "fieldname"]
		)
	}
	gl_entry = frappe.get_meta("GL Entry")
	for doctype in STANDARD_DIMENSIONS:
		fieldname = frappe.scrub(doctype)
		if doctype not in choices and frappe.db.exists("DocType", doctype) and gl_entry.has_field(fieldname):
			choices[doctype] = fieldname
	return choices


@frappe.whitelist()
def dimension_choices() -> list[str]:
	"""The doctypes the Dimension as QuickBooks Location field may name."""
	frappe.has_permission(SETTINGS, "read", throw=True)
	return sorted(dimension_fields())


def department_field(doc: "QuickBooksSettings") -> str | None:
	"""The fieldname of the chosen dimension, or None when none is chosen (or it is no longer a dimension)."""
	doctype = doc.get(DEPARTMENT_DIMENSION)
	return dimension_fields().get(doctype) if doctype else None


# -- validation ------------------------------------------------------------------------------------------------


def validate_dimensions(doc: "QuickBooksSettings") -> None:
	"""The chosen dimension is one, each cost center and value is mapped once, to this connection's records."""
	dimension = doc.get(DEPARTMENT_DIMENSION)
	if dimension and dimension not in dimension_fields():
		frappe.throw(
			_(
				"{0} is not an accounting dimension of this site; choose Project or an Accounting Dimension."
			).format(frappe.bold(dimension)),
			title=_("Dimensions"),
		)
	for row in doc.get(DEPARTMENT_MAPPINGS):
		row.dimension_doctype = dimension
	_check_rows(doc, CLASS_MAPPINGS, "cost_center", "qbo_class", CLASS)
	_check_rows(doc, DEPARTMENT_MAPPINGS, "dimension_value", "qbo_department", DEPARTMENT)


def _check_rows(doc: "QuickBooksSettings", table: str, key: str, link: str, doctype: str) -> None:
	seen: set[str] = set()
	for row in doc.get(table):
		if row.get(key) in seen:
			frappe.throw(
				_("Row {0}: {1} is mapped twice.").format(row.idx, frappe.bold(row.get(key))),
				title=_("Dimensions"),
			)
		seen.add(row.get(key))
		# a record that no longer exists is the link check's to report
		owner = frappe.db.get_value(doctype, row.get(link), "settings") if row.get(link) else None
		if owner and owner != doc.name:
			frappe.throw(
				_(
					"Row {0}: {1} is not a record of this QuickBooks connection; fetch QuickBooks data and pick one."
				).format(row.idx, frappe.bold(row.get(link))),
				title=_("Dimensions"),
			)


# -- suggestions and create-if-missing ---------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def suggest_dimension_mappings(settings: str) -> dict[str, Any]:
	"""Add a row for every unmapped cost center of the company (Class tracking on) and every unmapped value of the
	chosen dimension whose name matches a QuickBooks Class / Department; list the others. Rows are never changed."""
	doc = _managed_settings(settings)
	added, missing = _suggest(doc)
	if any(added.values()):
		doc.save()
	return {"added": added, "missing": missing}


@frappe.whitelist(methods=["POST"])
def create_missing_in_quickbooks(settings: str) -> dict[str, Any]:
	"""Create a QuickBooks Class for every unmapped cost center (a Department for every unmapped dimension value)
	that matches none by name, then map them all."""
	doc = _managed_settings(settings)
	_added, missing = _suggest(doc)
	client = get_client(doc)
	created: dict[str, list[str]] = {kind: [] for kind in KINDS}
	for kind, names in missing.items():
		entity, doctype, _name_field, table, link = KINDS[kind]
		convert = class_values if kind == "Class" else department_values
		for source, name in names:
			record = client.create(entity, {"Name": name})
			sync_rows(doc.name, doctype, [convert(record)], mark_missing=False)
			doc.append(table, _row(doc, kind, source, f"{doc.name}-{record['Id']}"))
			created[kind].append(remote_text(record.get("Name") or name))
	if any(created.values()):
		doc.save()
	return {"created": created}


def _managed_settings(settings: str) -> "QuickBooksSettings":
	"""The settings, for an Accounts Manager or System Manager who may write them."""
	# not frappe.only_for, which lets everything through in tests
	if not set(MANAGERS) & set(frappe.get_roles()):
		frappe.throw(
			_("Only an Accounts Manager or a System Manager can change the QuickBooks dimensions."),
			frappe.PermissionError,
		)
	doc = frappe.get_doc(SETTINGS, settings)
	doc.check_permission("write")
	return doc


def _suggest(doc: "QuickBooksSettings") -> tuple[dict[str, list[dict]], dict[str, list[tuple[str, str]]]]:
	"""Rows added per kind ({source, qbo}), and per kind what matched nothing: (source, QuickBooks name to give)."""
	added: dict[str, list[dict]] = {kind: [] for kind in KINDS}
	missing: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS}
	sources = {"Class": _cost_centers(doc) if doc.get(TRACK_CLASSES) else [], "Department": _values(doc)}
	for kind, rows in sources.items():
		_entity, doctype, name_field, table, link = KINDS[kind]
		key = "cost_center" if kind == "Class" else "dimension_value"
		mapped = {row.get(key) for row in doc.get(table)}
		by_name = _records_by_name(doc.name, doctype, name_field)
		for source, label in rows:
			if source in mapped:
				continue
			match = by_name.get(_folded(label)) or by_name.get(_folded(source))
			if match is None:
				missing[kind].append((source, _qbo_name(label)))
				continue
			doc.append(table, _row(doc, kind, source, match.name))
			added[kind].append({"source": source, "qbo": match.get(name_field)})
	return added, missing


def _row(doc: "QuickBooksSettings", kind: str, source: str, record: str) -> dict[str, str]:
	if kind == "Class":
		return {"cost_center": source, "qbo_class": record}
	# the Dynamic Link's doctype, which the link check needs before the save's validate sets it
	return {
		"dimension_doctype": doc.get(DEPARTMENT_DIMENSION),
		"dimension_value": source,
		"qbo_department": record,
	}


def _cost_centers(doc: "QuickBooksSettings") -> list[tuple[str, str]]:
	"""(cost center, its own name) of the company's leaf cost centers."""
	return [
		(row.name, row.cost_center_name)
		for row in frappe.get_all(
			"Cost Center",
			filters={"company": doc.company, "is_group": 0, "disabled": 0},
			fields=["name", "cost_center_name"],
			order_by="lft",
		)
	]


def _values(doc: "QuickBooksSettings") -> list[tuple[str, str]]:
	"""(value, its title) of the chosen dimension, those of the company when the dimension has a company."""
	dimension = doc.get(DEPARTMENT_DIMENSION)
	if not dimension or not department_field(doc):
		return []
	meta = frappe.get_meta(dimension)
	title = meta.title_field if meta.title_field and meta.has_field(meta.title_field) else "name"
	filters = {"company": doc.company} if meta.has_field("company") else {}
	if meta.has_field("disabled"):
		filters["disabled"] = 0
	return [
		(row.name, cstr(row.get(title)) or row.name)
		for row in frappe.get_all(dimension, filters=filters, fields=["name", title], order_by="name")
	]


def _records_by_name(settings: str, doctype: str, name_field: str) -> dict[str, Any]:
	records = frappe.get_all(
		doctype,
		filters={"settings": settings, "active": 1, "deleted_in_quickbooks": 0},
		fields=["name", name_field, "fully_qualified_name"],
	)
	found = {}
	for record in records:
		for text in (record.fully_qualified_name, record.get(name_field)):
			found.setdefault(_folded(text), record)
	return found


def _folded(text: str | None) -> str:
	return " ".join(cstr(text).split()).casefold()


def _qbo_name(label: str) -> str:
	"""A name QuickBooks accepts for a new Class / Department."""
	return " ".join(cstr(label).replace(":", "-").split())[:NAME_LENGTH]
