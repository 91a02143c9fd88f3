"""Names and numbers QuickBooks accepts, and the PrivateNote marker that identifies our records.

- DocNumber holds at most 21 characters. Longer ERPNext names become `first 14 chars + "-" + 6 hex of sha1(name)`:
  deterministic (a retry produces the same number), still recognisable, and 21 characters long.
- Names (DisplayName, Item Name) may not contain ':' (QuickBooks' hierarchy separator): it becomes '-'; whitespace
  is collapsed and the result trimmed to the field's limit.
- PrivateNote always starts with "ERPNext <Doctype> <full name>", which is how records are adopted after a lost
  response or a reinstall (`is_ours`); DocNumber alone is not enough (Bills carry the supplier's number).
"""

from __future__ import annotations

import hashlib
import html
import re

DOC_NUMBER_MAX = 21
NAME_MAX = 100
DISPLAY_NAME_MAX = 500
PRIVATE_NOTE_MAX = 4000
DESCRIPTION_MAX = 4000
REF_NUM_MAX = 21

_SPACES = re.compile(r"\s+")
_TAGS = re.compile(r"<[^>]*>")


def doc_number(name: str) -> str:
	name = (name or "").strip()
	if len(name) <= DOC_NUMBER_MAX:
		return name
	digest = hashlib.sha1(name.encode()).hexdigest()[:6]
	return f"{name[:14]}-{digest}"


def qbo_name(text: str, limit: int = NAME_MAX) -> str:
	"""A QuickBooks name: no ':', single spaces, trimmed, at most `limit` characters."""
	cleaned = _SPACES.sub(" ", (text or "").replace(":", "-")).strip()
	return cleaned[:limit].rstrip()


def plain_text(text: str | None, limit: int = DESCRIPTION_MAX) -> str:
	"""Text from ERPNext's HTML text-editor fields: tags removed, entities decoded, whitespace collapsed."""
	if not text:
		return ""
	stripped = html.unescape(_TAGS.sub(" ", text))
	return _SPACES.sub(" ", stripped).strip()[:limit]


def marker(doctype: str, name: str) -> str:
	return f"ERPNext {doctype} {name}"


def private_note(doctype: str, name: str, *details: str) -> str:
	"""`ERPNext <Doctype> <name>` followed by details (return, amendment, unapplied amounts), at most 4000 chars."""
	return "; ".join([marker(doctype, name), *(detail for detail in details if detail)])[:PRIVATE_NOTE_MAX]


def is_ours(qbo_obj: dict, doctype: str, name: str) -> bool:
	"""True when the QuickBooks object's PrivateNote names this ERPNext document (also once QuickBooks prefixes
	"Voided" to it)."""
	note = (qbo_obj or {}).get("PrivateNote") or ""
	pattern = rf"(?:^|\s){re.escape(marker(doctype, name))}(?:$|[;\s(])"
	return re.search(pattern, note) is not None


def reference_number(text: str | None) -> str:
	return (text or "").strip()[:REF_NUM_MAX]
