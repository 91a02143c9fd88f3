"""QBO's query language: parser and evaluator (qbo-api.md §4).

Supported, as in QBO: ``SELECT * | COUNT(*) FROM Entity [WHERE p op v [AND ...]] [ORDERBY|ORDER BY p [ASC|DESC]
[, ...]] [STARTPOSITION n] [MAXRESULTS n]`` with ``= < > <= >= IN (..) LIKE '%x%'`` and ``!=`` (not in Intuit's
operator list, but a widely used client's sandbox tests rely on it); keywords and entity names
case-insensitive; strings in single quotes with ``\\'`` escapes; booleans bare; nested properties
(``MetaData.LastUpdatedTime``, ``CustomerRef``, ``PrimaryEmailAddr``: a reference or an e-mail/phone object
compares by its value; ``AttachableRef.EntityRef.Type`` / ``.value``, Intuit's documented way to list the
attachments of a record, match when any of the Attachable's references does [U: whether two conditions must hold
on the same reference]); STARTPOSITION 1-based, MAXRESULTS default 100 and at most 1000; name lists return only
active rows unless the query filters on ``Active``. Anything else (OR, JOIN, Line fields...) is fault 4000.
Responses: ``{"Entity": [...], "startPosition", "maxResults"}``, ``{"totalCount": n}`` for COUNT, ``{}`` when
nothing matches.

Simplifications: a projection list (``SELECT Id, Name``) parses but full objects are returned; every property
is filterable and sortable; string comparisons ignore case; without ORDERBY rows come in Id order (QBO's
default order is undocumented); QBO's quirk of answering extra TaxCode rows beyond MAXRESULTS is not
reproduced; ``CreditCardPayment`` rows are listed under ``CreditCardPaymentTxn``, as QBO names them
(api.py). A query costs one pass over the entity's objects
(the first page stops early); the result is reused for the following pages until the entity changes, so
paging costs O(page) per call; equality on ``Id`` or on a unique name is answered from the indexes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from quickbooks_connector.emulator import faults
from quickbooks_connector.emulator.clock import parse_datetime
from quickbooks_connector.emulator.entities import SINGLETONS, SPECS
from quickbooks_connector.emulator.indexes import NAME_FIELDS
from quickbooks_connector.emulator.store import Realm

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS_LIMIT = 1000
CACHED_RESULTS = 8  # sorted results kept per realm for paging
QUERYABLE = {name.lower(): name for name in (*SPECS, *SINGLETONS)}
ACTIVE_ONLY_BY_DEFAULT = {name for name, spec in SPECS.items() if spec.name_list} - {"TaxCode", "TaxRate"}
KEYWORDS = {"select", "from", "where", "and", "in", "like", "orderby", "order", "by", "asc", "desc"}
KEYWORDS |= {"startposition", "maxresults", "count", "true", "false"}
OPERATORS = ("<=", ">=", "!=", "=", "<", ">")
DATETIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}(T.*)?$")

_TOKEN = re.compile(
	r"\s*(?:(?P<string>'(?:\\.|[^'\\])*')|(?P<number>-?\d+(?:\.\d+)?(?![\w.]))|(?P<op><=|>=|!=|<>|[=<>(),*])"
	r"|(?P<word>[A-Za-z_][\w.]*))"
)


@dataclass(frozen=True)
class Token:
	kind: str  # string | number | op | word | end
	text: str
	column: int

	@property
	def keyword(self) -> str:
		return self.text.lower() if self.kind == "word" else ""


@dataclass(frozen=True)
class Condition:
	path: str
	operator: str  # = < > <= >= in like
	values: tuple[Any, ...]


@dataclass
class Query:
	entity: str
	count: bool = False
	conditions: list[Condition] = field(default_factory=list)
	order: list[tuple[str, bool]] = field(default_factory=list)  # (path, descending)
	start: int = 1
	max_results: int = DEFAULT_MAX_RESULTS


# Parsing


def tokenize(text: str) -> list[Token]:
	tokens, position = [], 0
	text = text.rstrip().rstrip(";")
	while position < len(text):
		match = _TOKEN.match(text, position)
		if match is None or match.end() == position:
			if text[position:].strip() == "":
				break
			raise faults.query_parse(f'Encountered "{text[position]}" at line 1, column {position + 1}.')
		kind = match.lastgroup or "word"
		tokens.append(Token(kind, match.group(kind), match.start(kind) + 1))
		position = match.end()
	tokens.append(Token("end", "<EOF>", len(text) + 1))
	return tokens


class _Parser:
	def __init__(self, text: str) -> None:
		self.tokens = tokenize(text)
		self.position = 0

	def parse(self) -> Query:
		self._keyword("select")
		count = self._projection()
		self._keyword("from")
		query = Query(entity=self._entity(), count=count)
		if self._accept("where"):
			query.conditions.append(self._condition())
			while self._accept("and"):
				query.conditions.append(self._condition())
		if self._accept("orderby") or (self._accept("order") and self._keyword("by")):
			query.order.append(self._sort_key())
			while self._accept_op(","):
				query.order.append(self._sort_key())
		self._paging(query)
		if self._peek().kind != "end":
			self._fail()
		return query

	def _projection(self) -> bool:
		if self._accept("count"):
			self._op("(")
			self._op("*")
			self._op(")")
			return True
		if not self._accept_op("*"):
			self._field()
		while self._accept_op(","):
			self._field()
		return False

	def _entity(self) -> str:
		token = self._next()
		entity = QUERYABLE.get(token.text.lower()) if token.kind == "word" else None
		if entity is None:
			raise faults.query_parse(f'Invalid entity name "{token.text}" at line 1, column {token.column}.')
		return entity

	def _condition(self) -> Condition:
		path = self._field()
		if path.split(".")[0].lower() == "line":
			raise faults.query_parse(f"Property {path} is not queryable.")
		if self._accept("in"):
			self._op("(")
			values = [self._value()]
			while self._accept_op(","):
				values.append(self._value())
			self._op(")")
			return Condition(path, "in", tuple(values))
		if self._accept("like"):
			token = self._next()
			if token.kind != "string":
				self._fail(token)
			return Condition(path, "like", (_unquote(token.text),))
		token = self._next()
		if token.kind != "op" or token.text not in OPERATORS:
			self._fail(token)
		return Condition(path, token.text, (self._value(),))

	def _sort_key(self) -> tuple[str, bool]:
		path = self._field()
		if self._accept("desc"):
			return path, True
		self._accept("asc")
		return path, False

	def _paging(self, query: Query) -> None:
		while True:
			if self._accept("startposition"):
				query.start = max(1, self._integer())
			elif self._accept("maxresults"):
				query.max_results = self._integer()
				if query.max_results > MAX_RESULTS_LIMIT:
					raise faults.query_parse(
						f"value {query.max_results} is too large. Max allowed value is {MAX_RESULTS_LIMIT}"
					)
				if query.max_results < 1:
					raise faults.query_parse("MAXRESULTS must be at least 1")
			else:
				return

	def _value(self) -> Any:
		token = self._next()
		if token.kind == "string":
			return _unquote(token.text)
		if token.kind == "number":
			return Decimal(token.text)
		if token.keyword in ("true", "false"):
			return token.keyword == "true"
		self._fail(token)

	def _field(self) -> str:
		token = self._next()
		if token.kind != "word" or token.keyword in KEYWORDS:
			self._fail(token)
		return token.text

	def _integer(self) -> int:
		token = self._next()
		if token.kind != "number" or not token.text.lstrip("-").isdigit():
			self._fail(token)
		return int(token.text)

	def _keyword(self, word: str) -> bool:
		token = self._next()
		if token.keyword != word:
			self._fail(token)
		return True

	def _op(self, symbol: str) -> None:
		token = self._next()
		if token.kind != "op" or token.text != symbol:
			self._fail(token)

	def _accept(self, word: str) -> bool:
		if self._peek().keyword == word:
			self.position += 1
			return True
		return False

	def _accept_op(self, symbol: str) -> bool:
		token = self._peek()
		if token.kind == "op" and token.text == symbol:
			self.position += 1
			return True
		return False

	def _peek(self) -> Token:
		return self.tokens[self.position]

	def _next(self) -> Token:
		token = self.tokens[self.position]
		if token.kind != "end":
			self.position += 1
		return token

	def _fail(self, token: Token | None = None):
		token = token or self._peek()
		raise faults.query_parse(f'Encountered " {token.text} " at line 1, column {token.column}.')


def _unquote(text: str) -> str:
	return re.sub(r"\\(.)", r"\1", text[1:-1])


def parse(text: str) -> Query:
	if not text or not text.strip():
		raise faults.query_parse("Empty query.")
	return _Parser(text).parse()


# Evaluation


def run(realm: Realm, text: str) -> dict[str, Any]:
	"""The ``QueryResponse`` object for a query against one realm (caller holds the realm lock)."""
	query = parse(text)
	if query.entity in ACTIVE_ONLY_BY_DEFAULT and not any(c.path == "Active" for c in query.conditions):
		query.conditions.append(Condition("Active", "=", (True,)))
	if query.count:
		return {"totalCount": sum(1 for _ in _matches(realm, query))}
	rows = _ordered_matches(realm, query)
	page = list(itertools.islice(rows, query.start - 1, query.start - 1 + query.max_results))
	if not page:
		return {}
	return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}


def _matches(realm: Realm, query: Query) -> Iterable[dict[str, Any]]:
	matches = _all_of([_predicate(condition) for condition in query.conditions])
	return filter(matches, _candidates(realm, query))


def _ordered_matches(realm: Realm, query: Query) -> Iterable[dict[str, Any]]:
	"""Matching rows in order (objects are stored in Id order). The first page streams and stops early; for a
	later page the full result is built once and kept until the entity changes, so paging through N objects
	with STARTPOSITION costs one filter and sort, not one per page."""
	by_id = not query.order or query.order == [("Id", False)]
	if by_id and query.start == 1:
		return _matches(realm, query)
	key = (query.entity, tuple(query.conditions), tuple(query.order))
	version = realm.versions[query.entity]
	cached = realm.query_results.get(key)
	if cached is not None and cached[0] == version:
		realm.query_results.move_to_end(key)
		return cached[1]
	rows = list(_matches(realm, query))
	if not by_id:
		_sort(rows, query.order)
	realm.query_results[key] = (version, rows)
	while len(realm.query_results) > CACHED_RESULTS:
		realm.query_results.popitem(last=False)
	return rows


def _candidates(realm: Realm, query: Query) -> Iterable[dict[str, Any]]:
	"""All objects of the entity, or the few an ``Id``/unique-name equality points at (through indexes)."""
	for condition in query.conditions:
		if condition.path == "Id" and condition.operator in ("=", "in"):
			ids = dict.fromkeys(str(value) for value in condition.values)
			objects = (realm.get(query.entity, object_id) for object_id in ids)
			return sorted((obj for obj in objects if obj), key=lambda obj: _id_key(obj["Id"]))
		name_field = NAME_FIELDS.get(query.entity, ("", ""))[1]
		if (
			condition.path == name_field
			and condition.operator == "="
			and isinstance(condition.values[0], str)
		):
			owner = realm.indexes.name_owner(query.entity, condition.values[0])
			obj = realm.get(query.entity, owner[1]) if owner and owner[0] == query.entity else None
			return [obj] if obj else []
	return realm.all(query.entity)


def _sort(rows: list[dict[str, Any]], order: list[tuple[str, bool]]) -> None:
	for path, descending in reversed(order):  # stable sorts, last key first
		value_of = _accessor(path)
		rows.sort(key=lambda obj: _sort_key(value_of(obj), path), reverse=descending)


Predicate = Callable[[dict[str, Any]], bool]


def _all_of(tests: list[Predicate]) -> Predicate:
	if len(tests) == 1:
		return tests[0]

	def every(obj: dict[str, Any]) -> bool:
		for test in tests:
			if not test(obj):
				return False
		return True

	return every


def _predicate(condition: Condition) -> Predicate:
	value_of = _accessor(condition.path)
	test = _value_test(condition)

	def holds(obj: dict[str, Any]) -> bool:
		value = value_of(obj)
		if isinstance(value, _Several):  # a path through a list (AttachableRef): any element may match
			return any(test(item) for item in value)
		return test(value)

	return holds


def _value_test(condition: Condition) -> Callable[[Any], bool]:
	path, operator, values = condition.path, condition.operator, condition.values
	if operator == "like":
		parts = re.split("(%)", values[0])
		pattern = re.compile(
			"".join(".*" if p == "%" else re.escape(p) for p in parts), re.IGNORECASE | re.DOTALL
		)
		return lambda value: isinstance(value, str) and pattern.fullmatch(value) is not None
	if operator == "=" and isinstance(values[0], bool):
		return lambda value: value is values[0]  # the common "Active = true"
	if operator == "in":
		return lambda value: any(_compare(value, "=", literal, path) for literal in values)
	if operator == "!=":
		return lambda value: value is not None and not _compare(value, "=", values[0], path)
	return lambda value: _compare(value, operator, values[0], path)


class _Several(tuple):
	"""The values a dotted path reaches through a list, one per element."""


def _accessor(path: str) -> Callable[[dict[str, Any]], Any]:
	"""A function reading ``path`` from an object; a reference/e-mail/phone object reads as its value. A dotted
	path goes through lists (``AttachableRef.EntityRef.Type``: one value per reference) and matches keys without
	regard to case where the exact key is missing (Intuit's examples spell ``EntityRef.Type``, objects ``type``)."""
	keys = path.split(".")
	if len(keys) == 1:
		key = keys[0]
		return lambda obj: _unwrapped(obj.get(key))

	def read(value: Any, rest: list[str]) -> Any:
		for index, key in enumerate(rest):
			if isinstance(value, list):
				return _Several(read(item, rest[index:]) for item in value)
			if not isinstance(value, dict):
				return None
			value = value[key] if key in value else _folded(value, key)
		return _unwrapped(value)

	return lambda obj: read(obj, keys)


def _folded(obj: dict[str, Any], key: str) -> Any:
	folded = key.casefold()
	return next((value for name, value in obj.items() if name.casefold() == folded), None)


def _unwrapped(value: Any) -> Any:
	if isinstance(value, dict):
		for key in ("value", "Address", "FreeFormNumber", "URI"):
			if key in value:
				return value[key]
	return value


def _compare(value: Any, operator: str, literal: Any, path: str) -> bool:
	if value is None or isinstance(value, dict | list):
		return False
	left, right = _comparable(value, literal, path)
	if left is None or right is None:
		return False
	if operator == "=":
		return left == right
	if operator == "<":
		return left < right
	if operator == ">":
		return left > right
	if operator == "<=":
		return left <= right
	return left >= right


def _comparable(value: Any, literal: Any, path: str) -> tuple[Any, Any]:
	"""Both sides in one comparable type: bool, number, time, Id number or case-folded text."""
	if isinstance(value, bool):
		return value, literal if isinstance(literal, bool) else str(literal).lower() == "true"
	if isinstance(value, int | Decimal):
		return value, _number(literal)
	text, other = str(value), str(literal)
	if _is_id_path(path) and text.isdigit() and other.isdigit():
		return int(text), int(other)
	if DATETIME_PATTERN.match(text) and DATETIME_PATTERN.match(other) and ("T" in text or "T" in other):
		return _epoch(text), _epoch(other)
	return text.casefold(), other.casefold()


def _is_id_path(path: str) -> bool:
	return path == "Id" or path.endswith("Ref") or path.endswith("Id")


def _number(literal: Any) -> Decimal | None:
	try:
		return Decimal(str(literal))
	except InvalidOperation:
		return None


def _epoch(text: str) -> float | None:
	try:
		return parse_datetime(text)
	except ValueError:
		return None


def _sort_key(value: Any, path: str) -> tuple[int, Any]:
	if isinstance(value, _Several):
		value = value[0] if value else None
	if value is None:
		return (0, 0)
	if isinstance(value, bool | int | Decimal):
		return (1, value)
	if path == "Id":
		return (1, _id_key(str(value))[1]) if str(value).isdigit() else (2, str(value))
	return (3, str(value).casefold())


def _id_key(object_id: str) -> tuple[int, Any]:
	return (0, int(object_id)) if object_id.isdigit() else (1, object_id)
