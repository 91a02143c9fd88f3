"""Finding the records this connector wrote, without trusting DocNumber.

QuickBooks numbers its own sales forms when "Custom transaction numbers" is off, and keeps a sent DocNumber only
sometimes, so a number proves nothing. What every record the connector writes does carry is its PrivateNote marker
("ERPNext <Doctype> <name>", see mapping.naming) and the document's TxnDate. PrivateNote cannot be queried, TxnDate
can on every transaction entity: the look-up reads the entity's records of that date, newest first (the record we
are after was written moments ago), and keeps those whose note names the document.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from quickbooks_connector import mapping
from quickbooks_connector.qbo import QBOClient

NEWEST_FIRST = "ORDERBY Id DESC"


def records_of(
	client: QBOClient, entity: str, txn_date: str | None, doctype: str, name: str
) -> Iterator[dict]:
	"""Every `entity` record dated `txn_date` whose PrivateNote names the ERPNext document, newest first."""
	if txn_date:
		statement = f"select * from {entity} where TxnDate = {{}} {NEWEST_FIRST}"
		rows = client.query(statement, str(txn_date)[:10])
	else:  # a document without a date cannot be narrowed: read them all
		rows = client.query(f"select * from {entity} {NEWEST_FIRST}")
	return (row for row in rows if mapping.is_ours(row, doctype, name))


def find_ours(
	client: QBOClient, entity: str, txn_date: str | None, doctype: str, name: str, note: str = ""
) -> dict | None:
	"""The newest live record of the document whose PrivateNote also holds `note` (a companion's own details)."""
	for row in records_of(client, entity, txn_date, doctype, name):
		if is_live(row) and note in (row.get("PrivateNote") or ""):
			return row
	return None


def live_records(
	client: QBOClient, entities: Iterable[str], txn_date: str | None, doctype: str, name: str
) -> list[tuple[str, dict]]:
	"""Every live record of the document among `entities`, in the order the entities are given."""
	return [
		(entity, row)
		for entity in entities
		for row in records_of(client, entity, txn_date, doctype, name)
		if is_live(row)
	]


def is_live(row: dict) -> bool:
	"""Not voided (QuickBooks keeps a voided record, zeroed, with "Voided" before its note) and not deleted."""
	return row.get("status") != "Deleted" and not (row.get("PrivateNote") or "").startswith("Voided")
