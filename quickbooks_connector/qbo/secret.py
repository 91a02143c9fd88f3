"""Credentials that never show themselves, and exceptions that never carry them.

A token or client secret held in a plain `str` ends up wherever Python prints values: tracebacks with frame locals
(Frappe's Error Log records every local of every frame), `repr()` in log lines and exception messages, pickled job
arguments. So the client keeps them in `Secret`, whose repr and str are "<redacted>" and which refuses to be
pickled, and reveals the value only inside the expression that builds the HTTP request.

The frames below that expression (requests, urllib3) do hold the revealed value, as arguments and headers. A failure
down there must not bring those frames along: `detached` turns it into an exception raised afresh, after the
`except` block, so it has neither the inner traceback nor a chained `__context__`, and its message is scrubbed of
the secrets involved.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "<redacted>"


class Secret:
	"""A credential. `reveal()` gives the value; everything else (repr, str, format, pickle) does not."""

	__slots__ = ("_value",)

	def __init__(self, value: str | Secret) -> None:
		if isinstance(value, Secret):
			value = value._value
		if not isinstance(value, str):
			raise TypeError(f"a Secret holds a str, not {type(value).__name__}")
		self._value = value

	def reveal(self) -> str:
		"""The value: only inside the expression that hands it to the HTTP library."""
		return self._value

	def __repr__(self) -> str:
		return REDACTED

	__str__ = __repr__

	def __format__(self, spec: str) -> str:
		return REDACTED

	def __bool__(self) -> bool:
		return bool(self._value)

	def __eq__(self, other: object) -> bool:
		if not isinstance(other, Secret):
			return NotImplemented
		return hmac.compare_digest(self._value.encode(), other._value.encode())

	def __hash__(self) -> int:
		return hash((Secret, self._value))

	def __reduce__(self):
		raise TypeError("a Secret cannot be pickled: pass the name of the settings that hold it instead")


def secret_forms(value: str | Secret | None, client_id: str | None = None) -> list[str]:
	"""Every spelling of a secret that could appear in text: as is, URL-encoded (form bodies), and, with the
	client id, the base64 of an HTTP Basic `client_id:secret` header."""
	if value is None:
		return []
	plain = value.reveal() if isinstance(value, Secret) else value
	if len(plain) < 4:  # nothing to find that would not also match ordinary text
		return []
	forms = {plain, quote(plain, safe=""), quote_plus(plain)}
	if client_id:
		forms.add(base64.b64encode(f"{client_id}:{plain}".encode()).decode())
	return sorted(forms, key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str | Secret | None], client_id: str | None = None) -> str:
	"""`text` with every spelling of each secret replaced by "<redacted>"."""
	for secret in secrets:
		for form in secret_forms(secret, client_id):
			text = text.replace(form, REDACTED)
	return text


def detached(
	error: BaseException, secrets: Iterable[str | Secret | None], client_id: str | None = None
) -> BaseException:
	"""`error`, ready to be raised again outside its `except` block without what it carried from below.

	The traceback and chained exceptions are dropped (the frames hold the revealed secrets). If its message
	contains a secret, a `SendError` with the scrubbed message stands in for it; otherwise it is the same object,
	so its type (and what callers catch) stays."""
	from quickbooks_connector.qbo.errors import SendError

	secrets = list(secrets)
	message = str(error)
	clean = scrub(message, secrets, client_id)
	if clean != message or any(scrub(repr(arg), secrets, client_id) != repr(arg) for arg in error.args):
		error = SendError(f"{type(error).__name__}: {clean}")
	error.__traceback__ = None
	error.__cause__ = None
	error.__context__ = None
	error.__suppress_context__ = True
	return error
