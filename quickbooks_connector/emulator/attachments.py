"""Attachable: notes and files attached to records, the multipart ``/upload`` endpoint and downloads.

* ``POST /attachable`` creates a note (``Note`` required without a file, ≤ 2000; ``FileName`` ≤ 1000,
  ``Category``/``ContentType`` ≤ 100) linked through ``AttachableRef[].EntityRef{type, value}`` to existing
  records (2500/610 otherwise); update (full or sparse) and ``operation=delete`` as for other entities.
* ``POST /upload`` takes ``multipart/form-data`` with parts ``file_metadata_NN`` (an Attachable as JSON) and
  ``file_content_NN`` (the file; ``Content-Transfer-Encoding: base64`` is decoded) and answers
  ``{"AttachableResponse": [{"Attachable": {...}}, ...]}``; a content part without metadata gets an Attachable
  named after its ``filename``; a failing pair answers ``{"Fault": ...}`` in its slot. Sending metadata with the
  ``Id`` of an existing Attachable replaces its file.
* An Attachable with a file has ``Size``, ``ContentType``, ``FileAccessUri`` (``/v3/company/<realm>/download/
  <id>``) and ``TempDownloadUri``, a link valid for ``DOWNLOAD_TTL`` seconds; ``GET /download/<id>`` answers that
  link as ``text/plain`` and the link itself answers the bytes without authentication, as Intuit's do.

* A file is at most ``MAX_FILE_SIZE`` (100 MB) and of a type QuickBooks accepts (``FILE_TYPES``: by the file
  name's extension, or by its content type when the name has none); otherwise its pair answers fault 2010 in its
  slot [U: Intuit documents the limit and the list for its user interface, not the API's fault code or text].
* Attachments of a record are listed with ``select * from Attachable where AttachableRef.EntityRef.Type =
  'Invoice' and AttachableRef.EntityRef.value = '95'`` (query.py). Deleting the record leaves its Attachables in
  the attachment list, referring to it [U: as QuickBooks' user interface does; the API's behaviour is not
  documented], so whoever deletes a transaction deletes its attachments first if they should go too.

Simplifications: thumbnails are not made; a file's content is not checked against its declared type.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.records import WriteContext, check_lengths

DOWNLOAD_PREFIX = "/attachments/"
DOWNLOAD_TTL = 15 * 60
ATTACHABLE_LIMITS = {
	"FileName": 1000,
	"Note": 2000,
	"Category": 100,
	"ContentType": 100,
	"PlaceName": 2000,
	"Tag": 2000,
	"Lat": 100,
	"Long": 100,
}
_SECRET = secrets.token_bytes(32)
MAX_FILE_SIZE = 100 * 1024 * 1024
# Extension -> content type of the files QuickBooks takes [U: the list Intuit gives for its attachment list].
FILE_TYPES = {
	"ai": "application/postscript",
	"csv": "text/csv",
	"doc": "application/msword",
	"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"eps": "application/postscript",
	"gif": "image/gif",
	"jpeg": "image/jpeg",
	"jpg": "image/jpeg",
	"ods": "application/vnd.oasis.opendocument.spreadsheet",
	"pages": "application/vnd.apple.pages",
	"pdf": "application/pdf",
	"png": "image/png",
	"rtf": "text/rtf",
	"tif": "image/tiff",
	"tiff": "image/tiff",
	"txt": "text/plain",
	"xls": "application/vnd.ms-excel",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"xml": "text/xml",
}


def prepare_attachable(ctx: WriteContext, body: dict[str, Any], existing: dict | None) -> dict[str, Any]:
	content = dict(body)
	check_lengths(body, ATTACHABLE_LIMITS)
	for field in (
		"FileAccessUri",
		"TempDownloadUri",
		"Size",
		"ThumbnailFileAccessUri",
		"ThumbnailTempDownloadUri",
	):
		content.pop(field, None)
	refs = []
	for ref in body.get("AttachableRef") or []:
		entity_ref = (ref or {}).get("EntityRef") or {}
		kind, value = entity_ref.get("type"), entity_ref.get("value")
		if not kind or value in (None, ""):
			raise faults.required("AttachableRef.EntityRef")
		target = ctx.realm.get(str(kind), str(value))
		if target is None:
			if ctx.realm.is_deleted(str(kind), str(value)):
				raise faults.not_found(element="AttachableRef.EntityRef")
			raise faults.invalid_reference("AttachableRef.EntityRef", kind, value)
		refs.append({"IncludeOnSend": False, **ref, "EntityRef": {"type": kind, "value": str(value)}})
	content["AttachableRef"] = refs
	has_file = existing is not None and existing.get("_HasFile") or body.get("_HasFile")
	if not has_file and not str(body.get("Note") or "").strip() and not body.get("FileName"):
		raise faults.required("Note")
	if existing is not None and existing.get("_HasFile"):
		for field in ("_HasFile", "Size", "FileName", "ContentType"):
			content.setdefault(field, existing.get(field))
		content["Size"] = existing["Size"]
	return content


def check_file(file_name: str, content_type: str, size: int) -> None:
	"""QuickBooks' limits on an uploaded file: its size and its type."""
	if size > MAX_FILE_SIZE:
		raise faults.invalid_property(
			f"The file is {size} bytes; QuickBooks takes files of at most {MAX_FILE_SIZE} bytes (100 MB)",
			"file_content",
		)
	extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
	known = extension in FILE_TYPES if extension else content_type.lower() in FILE_TYPES.values()
	if not known:
		raise faults.invalid_property(
			f"QuickBooks does not take files of type {extension or content_type!r}", "FileName"
		)


def present(obj: dict[str, Any], realm_id: str, base_url: str, now: float) -> dict[str, Any]:
	shown = {key: value for key, value in obj.items() if not key.startswith("_")}
	if obj.get("_HasFile"):
		shown["FileAccessUri"] = f"/v3/company/{realm_id}/download/{obj['Id']}"
		shown["TempDownloadUri"] = download_link(base_url, realm_id, obj["Id"], now)
	return shown


def download_link(base_url: str, realm_id: str, object_id: str, now: float) -> str:
	expires = int(now) + DOWNLOAD_TTL
	return f"{base_url}{DOWNLOAD_PREFIX}{realm_id}/{object_id}?expires={expires}&signature={_sign(realm_id, object_id, expires)}"


def check_download(realm_id: str, object_id: str, params: dict[str, str], now: float) -> bool:
	try:
		expires = int(params.get("expires", ""))
	except ValueError:
		return False
	expected = _sign(realm_id, object_id, expires)
	return expires >= now and hmac.compare_digest(expected, params.get("signature", ""))


def _sign(realm_id: str, object_id: str, expires: int) -> str:
	message = f"{realm_id}/{object_id}/{expires}".encode()
	return hmac.new(_SECRET, message, hashlib.sha256).hexdigest()[:40]


# multipart/form-data


def parse_multipart(content_type: str, body: bytes) -> list[tuple[str, dict[str, Any]]]:
	"""(name, {"filename", "content_type", "data"}) per part. Tolerates LF-only line ends (some clients build
	the body from a text template) and decodes base64 transfer encoding."""
	match = re.search(r'boundary="?([^";]+)"?', content_type or "")
	if not match or not content_type.lower().startswith("multipart/form-data"):
		raise faults.invalid_property("An upload must be multipart/form-data with a boundary")
	boundary = match.group(1).encode()
	parts = []
	for chunk in body.split(b"--" + boundary):
		chunk = chunk.lstrip(b"\r\n")
		if not chunk.strip() or chunk.startswith(b"--"):
			continue
		head, separator, data = _split_head(chunk)
		if not separator:
			continue
		headers = BytesParser(policy=HTTP).parsebytes(head + b"\r\n\r\n")
		if data.endswith(b"\r\n"):
			data = data[:-2]
		elif data.endswith(b"\n"):
			data = data[:-1]
		if (headers.get("Content-Transfer-Encoding") or "").strip().lower() == "base64":
			try:
				data = base64.b64decode(b"".join(data.split()), validate=True)
			except (binascii.Error, ValueError):
				raise faults.invalid_property("A base64 part could not be decoded")
		disposition = headers.get("Content-Disposition") or ""
		name = _parameter(disposition, "name")
		parts.append(
			(
				name,
				{
					"filename": _parameter(disposition, "filename"),
					"content_type": (headers.get("Content-Type") or "application/octet-stream").split(";")[0],
					"data": data,
				},
			)
		)
	return parts


def _split_head(chunk: bytes) -> tuple[bytes, bytes, bytes]:
	for separator in (b"\r\n\r\n", b"\n\n"):
		head, found, data = chunk.partition(separator)
		if found:
			return head, found, data
	return chunk, b"", b""


def _parameter(header: str, name: str) -> str:
	match = re.search(rf'(?:^|;)\s*{name}="([^"]*)"', header) or re.search(
		rf"(?:^|;)\s*{name}=([^;\s]+)", header
	)
	return match.group(1) if match else ""


def upload_pairs(
	parts: list[tuple[str, dict[str, Any]]],
) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
	"""(metadata part, content part) pairs matched by their ``_NN`` suffix, in order of appearance."""
	pairs: dict[str, list[Any]] = {}
	for name, part in parts:
		match = re.fullmatch(r"file_(metadata|content)_(\w+)", name)
		if not match:
			continue
		slot = pairs.setdefault(match.group(2), [None, None])
		slot[0 if match.group(1) == "metadata" else 1] = part
	return [(slot[0], slot[1]) for slot in pairs.values()]
