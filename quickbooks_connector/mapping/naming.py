"""Names and numbers QuickBooks accepts, and the PrivateNote marker that identifies our records.

- DocNumber holds at most 21 characters. Longer ERPNext names become `first 8 chars + "-" + 12 base-32 characters
  of sha256(name)`: deterministic (a retry produces the same number), recognisable by its series, and 21 characters
  long. 60 bits of hash make a collision practically impossible (about one in 10^7 among a million long names of
  one series); the engine still reports the one that happens, naming the other document.
- Names (DisplayName, Item Name) may not contain ':' (QuickBooks' hierarchy separator): it becomes '-'; whitespace
  is collapsed and the result trimmed to the field's limit.
- PrivateNote always starts with "ERPNext <Doctype> <full name>", which is how records are adopted after a lost
  response or a reinstall (`is_ours`); DocNumber alone is not enough (Bills carry the supplier's number).
"""

from __future__ import annotations

import base64
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


DOC_NUMBER_PREFIX = 8  # what stays readable of a shortened name: its series


def doc_number(name: str) -> str:
	name = (name or "").strip()
	if len(name) <= DOC_NUMBER_MAX:
		return name
	digest = base64.b32encode(hashlib.sha256(name.encode()).digest()).decode()
	prefix = name[:DOC_NUMBER_PREFIX]
	return f"{prefix}-{digest[: DOC_NUMBER_MAX - len(prefix) - 1]}"


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


MARKER_PREFIX = "ERPNext "


def marker(doctype: str, name: str) -> str:
	return f"{MARKER_PREFIX}{doctype} {name}"


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
