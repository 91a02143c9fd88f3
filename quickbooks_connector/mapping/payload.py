"""What `build_payload` and friends return."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from quickbooks_connector.mapping.errors import Problem, render
from quickbooks_connector.mapping.money import ZERO

MAIN = "main"


@dataclass(frozen=True)
class Origin:
	"""Where a payload line comes from, as the ERPNext form shows it: `place` ("Items row 3 (WIDGET-A)",
	"Sales Taxes and Charges row 1 (VAT)", "Rounding Adjustment") and the label of the field its Amount comes from
	(empty when `place` is that field)."""

	place: str
	amount: str = "Amount"


@dataclass(frozen=True)
class QBOPayload:
	"""One QuickBooks record to create.

	- entity: "Invoice", "CreditMemo", "Bill", "VendorCredit", "Payment", "BillPayment", "JournalEntry".
	- key: "main" for the document's own record; companions have their own stable key ("deductions",
	  "apply-credit", "pos-payment-1" ...) for request ids and for Refs.companions.
	- erp_total: the TotalAmt QuickBooks must show, in document currency (positive for returns).
	- erp_tax: the TxnTaxDetail.TotalTax QuickBooks must show (US bills: 0, their taxes are expense lines).
	- origins: where each of body["Line"] comes from in ERPNext (same order; None or missing when unknown), so
	  that problems found in the payload name the ERPNext row and field (see limits.check_payload).
	"""

	entity: str
	body: dict
	doc_number: str | None
	erp_total: Decimal
	erp_tax: Decimal = ZERO
	key: str = MAIN
	origins: tuple[Origin | None, ...] = ()


@dataclass(frozen=True)
class Skip:
	"""The document is deliberately not sent; the problem says why (and what to do instead), on the sync record."""

	problem: Problem

	@property
	def reason(self) -> str:
		"""The problem in English."""
		return render(self.problem)
