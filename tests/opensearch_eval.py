"""A test-only OpenSearch: exactly the query subset the adapter emits, evaluated over documents
held in memory, behind a fake opensearch-py *connection* (so the real client, its serialisation
and its error mapping run).

It is meant to be simple enough to be obviously right, and to fail loudly on anything it does
not model (``Unsupported``): a query kind, a parameter, a field type it does not know is an error,
never a silent "match everything". Every request body is also checked against the official
OpenSearch API spec (tests/opensearch_spec/validator.py) before it is evaluated.

Modelled, after Lucene/OpenSearch:

* mappings with ``dynamic: strict`` (an unmapped field rejects the document); field types
  keyword, long, text (stored, not searchable here), geo_point, date_range, nested, and
  ``object`` with ``enabled: false``;
* geo_point stored as Lucene encodes it (latitude and longitude on 32 bits, rounded down), arc
  distances by haversine on the mean Earth radius Lucene uses (6,371,008.7714 m);
* date_range stored as inclusive millisecond ranges (``lt`` is ``lte`` minus 1 ms), range
  queries with relation intersects / contains / within;
* queries: bool (must, filter, must_not, should, minimum_should_match), term, terms, range,
  geo_distance, nested, constant_score, dis_max, prefix, fuzzy (Levenshtein distance with or
  without transpositions, ``prefix_length``, only with ``rewrite: constant_score``), match_all;
  scores are 32-bit floats, and a query that would score with BM25 is Unsupported;
* search: query, post_filter, sort (``_score``, ``_geo_distance``, keyword and numeric fields),
  search_after, size (max_result_window), track_total_hits, _source includes;
* aggregations: filter, terms (size, order, include list), top_hits (size within
  max_inner_result_window, sort, _source);
* bulk index/delete with internal, external and external_gte versioning; index create, delete,
  settings, refresh; aliases (get, atomic update).
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from opensearchpy import OpenSearch
from opensearchpy.connection import Connection
from opensearchpy.exceptions import ConnectionTimeout

from tests.opensearch_spec.validator import SpecViolation, validate

LUCENE_EARTH_RADIUS_M = 6_371_008.7714
_LAT_DECODE = 180.0 / (1 << 32)
_LON_DECODE = 360.0 / (1 << 32)
_MIN_MS = -(2**63)
_MAX_MS = 2**63 - 1
DEFAULT_MAX_RESULT_WINDOW = 10_000
DEFAULT_MAX_INNER_RESULT_WINDOW = 100

Doc = dict[str, list[Any]]  # indexed values by full field path ("services.open", ...)


class Unsupported(NotImplementedError):
    """Something the evaluator does not model: the adapter emitted more than we checked."""


class HttpError(Exception):
    def __init__(self, status: int, error_type: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.body = {"error": {"type": error_type, "reason": reason}, "status": status}


def f32(value: float) -> float:
    """A value rounded to a 32-bit float, as Lucene scores are."""
    result: float = struct.unpack("f", struct.pack("f", value))[0]
    return result


def encode_point(lat: float, lon: float) -> tuple[float, float]:
    """The point Lucene's LatLonPoint stores: each coordinate rounded down to 32 bits."""
    if lat == 90.0:
        lat = math.nextafter(90.0, 0.0)
    if lon == 180.0:
        lon = math.nextafter(180.0, 0.0)
    return math.floor(lat / _LAT_DECODE) * _LAT_DECODE, math.floor(lon / _LON_DECODE) * _LON_DECODE


def arc_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * LUCENE_EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, max(0.0, h))))


def parse_millis(value: Any) -> int:
    """strict_date_optional_time (UTC when no zone) or epoch milliseconds."""
    if isinstance(value, bool):
        raise Unsupported(f"not a date: {value!r}")
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        raise Unsupported(f"not a date: {value!r}")
    if value.lstrip("-").isdigit():
        return int(value)
    if value.startswith("now"):
        raise Unsupported("date math ('now') is not modelled: the adapter sends instants")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    delta = parsed - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def levenshtein(a: str, b: str, *, transpositions: bool) -> int:
    """Edit distance (optimal string alignment when ``transpositions``)."""
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if transpositions and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        previous_previous, previous = previous, current
    return previous[len(b)]


def _take(params: dict[str, Any], allowed: Iterable[str], what: str) -> None:
    unknown = set(params) - set(allowed)
    if unknown:
        raise Unsupported(f"{what}: parameters {sorted(unknown)} are not modelled")


# ------------------------------------------------------------------------------- mappings


@dataclass
class Mapping:
    types: dict[str, str]  # full path -> keyword | long | text | geo_point | date_range | nested
    nested: set[str]

    @classmethod
    def from_body(cls, mappings: dict[str, Any]) -> Mapping:
        if mappings.get("dynamic") != "strict":
            raise Unsupported("only strict mappings are modelled")
        types: dict[str, str] = {}
        nested: set[str] = set()

        def walk(properties: dict[str, Any], prefix: str) -> None:
            for name, spec in properties.items():
                path = prefix + name
                kind = spec.get("type", "object")
                if kind == "nested":
                    if spec.get("dynamic") != "strict":
                        raise Unsupported(f"{path}: nested mappings must be strict")
                    nested.add(path)
                    types[path] = "nested"
                    walk(spec["properties"], path + ".")
                elif kind == "object":
                    if spec.get("enabled") is not False:
                        raise Unsupported(f"{path}: only disabled objects are modelled")
                    types[path] = "disabled"
                elif kind in ("keyword", "long", "text", "geo_point", "date_range"):
                    types[path] = kind
                else:
                    raise Unsupported(f"{path}: field type {kind!r}")

        walk(mappings["properties"], "")
        return cls(types, nested)

    def type_of(self, path: str) -> str:
        try:
            return self.types[path]
        except KeyError:
            raise Unsupported(f"query on unmapped field {path!r}") from None

    def index(self, source: dict[str, Any], prefix: str = "") -> tuple[Doc, dict[str, list[Doc]]]:
        """(field values, nested documents by path); HttpError 400 on a strict-mapping miss."""
        values: Doc = {}
        nested: dict[str, list[Doc]] = {}
        for name, value in source.items():
            path = prefix + name
            kind = self.types.get(path)
            if kind is None:
                raise HttpError(
                    400,
                    "strict_dynamic_mapping_exception",
                    f"mapping set to strict, dynamic introduction of [{name}] is not allowed",
                )
            if kind == "disabled" or value is None:
                continue
            if kind == "nested":
                items = value if isinstance(value, list) else [value]
                nested[path] = []
                for item in items:
                    inner, deeper = self.index(item, path + ".")
                    if deeper:
                        raise Unsupported("nested inside nested")
                    nested[path].append(inner)
                continue
            items = value if isinstance(value, list) else [value]
            values[path] = [self._value(kind, path, item) for item in items]
        return values, nested

    @staticmethod
    def _value(kind: str, path: str, item: Any) -> Any:
        if kind == "keyword":
            if not isinstance(item, str):
                raise HttpError(400, "mapper_parsing_exception", f"{path}: not a string")
            return item
        if kind == "long":
            if not isinstance(item, int) or isinstance(item, bool):
                raise HttpError(400, "mapper_parsing_exception", f"{path}: not a long")
            return item
        if kind == "text":
            if not isinstance(item, str):
                raise HttpError(400, "mapper_parsing_exception", f"{path}: not text")
            return item
        if kind == "geo_point":
            if set(item) != {"lat", "lon"}:
                raise Unsupported(f"{path}: geo_point as {{lat, lon}} only")
            return encode_point(float(item["lat"]), float(item["lon"]))
        if kind == "date_range":
            _take(item, ("gte", "gt", "lte", "lt"), f"{path} date_range value")
            low, high = _MIN_MS, _MAX_MS
            if "gte" in item:
                low = parse_millis(item["gte"])
            if "gt" in item:
                low = parse_millis(item["gt"]) + 1
            if "lte" in item:
                high = parse_millis(item["lte"])
            if "lt" in item:
                high = parse_millis(item["lt"]) - 1
            if low > high:
                raise HttpError(400, "mapper_parsing_exception", f"{path}: empty range {item}")
            return (low, high)
        raise Unsupported(kind)


# -------------------------------------------------------------------------------- indices


@dataclass
class Stored:
    source: dict[str, Any]
    version: int
    values: Doc
    nested: dict[str, list[Doc]]
    seq: int


@dataclass
class Index:
    name: str
    mapping: Mapping
    settings: dict[str, Any]
    docs: dict[str, Stored] = field(default_factory=dict)

    def setting(self, name: str, default: Any) -> Any:
        return self.settings.get("index", {}).get(name, default)


# -------------------------------------------------------------------------------- queries


class Evaluator:
    """Matching and scoring of one index's documents."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping

    def score(self, query: dict[str, Any], doc: Stored, *, scoring: bool) -> float | None:
        """The document's score for ``query``, or None when it does not match."""
        return self._query(query, doc.values, doc.nested, scoring=scoring, nested_path=None)

    def _query(
        self,
        query: dict[str, Any],
        values: Doc,
        nested: dict[str, list[Doc]],
        *,
        scoring: bool,
        nested_path: str | None,
    ) -> float | None:
        if not isinstance(query, dict) or len(query) != 1:
            raise Unsupported(f"a query container has exactly one key: {query!r}")
        ((kind, params),) = query.items()
        handler: Callable[..., float | None] | None = getattr(self, f"_q_{kind}", None)
        if handler is None:
            raise Unsupported(f"query {kind!r}")
        result = handler(params, values, nested, scoring=scoring, nested_path=nested_path)
        return None if result is None else f32(result)

    def _sub(
        self,
        query: dict[str, Any],
        values: Doc,
        nested: dict[str, list[Doc]],
        scoring: bool,
        nested_path: str | None,
    ) -> float | None:
        return self._query(query, values, nested, scoring=scoring, nested_path=nested_path)

    def _q_match_all(self, params: dict[str, Any], *_: Any, **__: Any) -> float | None:
        _take(params, ("boost",), "match_all")
        return float(params.get("boost", 1.0))

    def _q_bool(
        self,
        params: dict[str, Any],
        values: Doc,
        nested: dict[str, list[Doc]],
        *,
        scoring: bool,
        nested_path: str | None,
    ) -> float | None:
        _take(params, ("must", "filter", "must_not", "should", "minimum_should_match"), "bool")

        def clauses(name: str) -> list[dict[str, Any]]:
            value = params.get(name, [])
            return value if isinstance(value, list) else [value]

        total = 0.0
        for clause in clauses("must"):
            result = self._sub(clause, values, nested, scoring, nested_path)
            if result is None:
                return None
            total += result
        for clause in clauses("filter"):
            if self._sub(clause, values, nested, False, nested_path) is None:
                return None
        for clause in clauses("must_not"):
            if self._sub(clause, values, nested, False, nested_path) is not None:
                return None
        should = clauses("should")
        default_minimum = 0 if params.get("must") or params.get("filter") else 1
        minimum = params.get("minimum_should_match", default_minimum if should else 0)
        if not isinstance(minimum, int):
            raise Unsupported("minimum_should_match as a whole number only")
        matched = 0
        for clause in should:
            result = self._sub(clause, values, nested, scoring, nested_path)
            if result is not None:
                matched += 1
                total += result
        if matched < minimum:
            return None
        return total

    def _leaf(self, scoring: bool, kind: str) -> None:
        if scoring:
            raise Unsupported(f"{kind} in a scoring context would score with BM25")

    def _field_values(
        self, path: str, values: Doc, nested_path: str | None, expected: tuple[str, ...]
    ) -> list[Any]:
        kind = self.mapping.type_of(path)
        if kind not in expected:
            raise Unsupported(f"this query on a {kind} field ({path})")
        inside = path.rsplit(".", 1)[0] if "." in path else None
        if inside in self.mapping.nested and inside != nested_path:
            raise Unsupported(f"{path} is inside nested {inside!r}: use a nested query")
        return values.get(path, [])

    @staticmethod
    def _single(params: dict[str, Any], what: str) -> tuple[str, Any]:
        fields = {key: value for key, value in params.items() if key not in ("boost", "_name")}
        if len(fields) != 1:
            raise Unsupported(f"{what} on exactly one field: {params!r}")
        ((path, spec),) = fields.items()
        return path, spec

    def _q_term(
        self, params: dict[str, Any], values: Doc, nested: Any, *, scoring: bool, nested_path: Any
    ) -> float | None:
        self._leaf(scoring, "term")
        path, spec = self._single(params, "term")
        if isinstance(spec, dict):
            _take(spec, ("value",), "term")
            spec = spec["value"]
        found = self._field_values(path, values, nested_path, ("keyword", "long"))
        return 1.0 if spec in found else None

    def _q_terms(
        self, params: dict[str, Any], values: Doc, nested: Any, *, scoring: bool, nested_path: Any
    ) -> float | None:
        self._leaf(scoring, "terms")
        path, wanted = self._single(params, "terms")
        if not isinstance(wanted, list):
            raise Unsupported("terms lookup")
        found = self._field_values(path, values, nested_path, ("keyword", "long"))
        return 1.0 if set(found) & set(wanted) else None

    def _q_prefix(
        self, params: dict[str, Any], values: Doc, nested: Any, *, scoring: bool, nested_path: Any
    ) -> float | None:
        self._leaf(scoring, "prefix")
        path, spec = self._single(params, "prefix")
        if not isinstance(spec, dict):
            spec = {"value": spec}
        _take(spec, ("value", "rewrite"), "prefix")
        found = self._field_values(path, values, nested_path, ("keyword",))
        return 1.0 if any(value.startswith(spec["value"]) for value in found) else None

    def _q_fuzzy(
        self, params: dict[str, Any], values: Doc, nested: Any, *, scoring: bool, nested_path: Any
    ) -> float | None:
        self._leaf(scoring, "fuzzy")
        path, spec = self._single(params, "fuzzy")
        _take(
            spec,
            ("value", "fuzziness", "transpositions", "prefix_length", "rewrite", "max_expansions"),
            "fuzzy",
        )
        if spec.get("rewrite") != "constant_score":
            raise Unsupported(
                "fuzzy without rewrite constant_score keeps only max_expansions terms"
            )
        edits = spec.get("fuzziness")
        if not isinstance(edits, int) or not 0 <= edits <= 2:
            raise Unsupported("fuzziness as 0, 1 or 2 only")
        term = spec["value"]
        prefix_length = int(spec.get("prefix_length", 0))
        transpositions = bool(spec.get("transpositions", True))
        found = self._field_values(path, values, nested_path, ("keyword",))
        for value in found:
            if value[:prefix_length] != term[:prefix_length]:
                continue
            if levenshtein(term, value, transpositions=transpositions) <= edits:
                return 1.0
        return None

    def _q_range(
        self, params: dict[str, Any], values: Doc, nested: Any, *, scoring: bool, nested_path: Any
    ) -> float | None:
        self._leaf(scoring, "range")
        path, spec = self._single(params, "range")
        _take(spec, ("gte", "gt", "lte", "lt", "relation"), "range")
        low, high = _MIN_MS, _MAX_MS
        if "gte" in spec:
            low = parse_millis(spec["gte"])
        if "gt" in spec:
            low = parse_millis(spec["gt"]) + 1
        if "lte" in spec:
            high = parse_millis(spec["lte"])
        if "lt" in spec:
            high = parse_millis(spec["lt"]) - 1
        relation = spec.get("relation", "intersects")
        found = self._field_values(path, values, nested_path, ("date_range",))
        for start, end in found:
            if relation == "intersects":
                hit = start <= high and end >= low
            elif relation == "contains":
                hit = start <= low and end >= high
            elif relation == "within":
                hit = low <= start and end <= high
            else:
                raise Unsupported(f"range relation {relation!r}")
            if hit:
                return 1.0
        return None

    def _q_geo_distance(
        self, params: dict[str, Any], values: Doc, nested: Any, *, scoring: bool, nested_path: Any
    ) -> float | None:
        self._leaf(scoring, "geo_distance")
        rest = dict(params)
        distance = rest.pop("distance")
        if rest.pop("distance_type", "arc") != "arc":
            raise Unsupported("geo_distance other than arc")
        path, center = self._single(rest, "geo_distance")
        radius = _metres(distance)
        found = self._field_values(path, values, nested_path, ("geo_point",))
        lat, lon = float(center["lat"]), float(center["lon"])
        for point_lat, point_lon in found:
            if arc_distance_m(lat, lon, point_lat, point_lon) <= radius:
                return 1.0
        return None

    def _q_nested(
        self,
        params: dict[str, Any],
        values: Doc,
        nested: dict[str, list[Doc]],
        *,
        scoring: bool,
        nested_path: str | None,
    ) -> float | None:
        _take(params, ("path", "query"), "nested")
        path = params["path"]
        if path not in self.mapping.nested:
            raise Unsupported(f"nested query on {path!r}, not a nested field")
        if scoring:
            raise Unsupported("nested query in a scoring context (score_mode not modelled)")
        for inner in nested.get(path, []):
            if self._sub(params["query"], inner, {}, False, path) is not None:
                return 1.0
        return None

    def _q_constant_score(
        self,
        params: dict[str, Any],
        values: Doc,
        nested: dict[str, list[Doc]],
        *,
        scoring: bool,
        nested_path: str | None,
    ) -> float | None:
        _take(params, ("filter", "boost"), "constant_score")
        if self._sub(params["filter"], values, nested, False, nested_path) is None:
            return None
        return float(params.get("boost", 1.0))

    def _q_dis_max(
        self,
        params: dict[str, Any],
        values: Doc,
        nested: dict[str, list[Doc]],
        *,
        scoring: bool,
        nested_path: str | None,
    ) -> float | None:
        _take(params, ("queries", "tie_breaker"), "dis_max")
        tie_breaker = float(params.get("tie_breaker", 0.0))
        scores = [
            result
            for query in params["queries"]
            if (result := self._sub(query, values, nested, scoring, nested_path)) is not None
        ]
        if not scores:
            return None
        best = max(scores)
        return best + tie_breaker * (sum(scores) - best)


def _metres(distance: Any) -> float:
    if isinstance(distance, (int, float)):
        return float(distance)
    match = re.fullmatch(r"([0-9.eE+-]+)(m|km)?", str(distance))
    if not match:
        raise Unsupported(f"distance {distance!r}")
    value = float(match.group(1))
    return value * 1000 if match.group(2) == "km" else value


# --------------------------------------------------------------------------------- search


@dataclass
class _Hit:
    index: Index
    doc_id: str
    doc: Stored
    score: float | None
    sort: list[Any] = field(default_factory=list)
    keys: list[Any] = field(default_factory=list)


class Cluster:
    """Indices and aliases in memory, answering the REST calls opensearch-py makes."""

    def __init__(self, *, validate_bodies: bool = True) -> None:
        self.indices: dict[str, Index] = {}
        self.aliases: dict[str, set[str]] = {}
        self.requests: list[tuple[str, str]] = []
        self.validate_bodies = validate_bodies
        self.problems: list[str] = []  # spec violations and unsupported requests, for teardown
        self.fail: Callable[[str, str], None] | None = None
        self.reject_ids: set[str] = set()  # bulk items for these ids fail with 429
        self._seq = 0

    # ---- plumbing

    def client(self, **options: Any) -> OpenSearch:
        """A real opensearch-py client whose connection is this cluster."""
        return OpenSearch(
            hosts=[{"host": "evaluator", "port": 9200}],
            connection_class=FakeConnection,
            cluster=self,
            max_retries=0,
            **options,
        )

    def count(self, method: str | None = None, suffix: str | None = None) -> int:
        return sum(
            1
            for m, path in self.requests
            if (method is None or m == method) and (suffix is None or path.endswith(suffix))
        )

    def handle(self, method: str, url: str, params: dict[str, Any], body: Any) -> tuple[int, Any]:
        path = unquote(url.split("?", 1)[0])
        self.requests.append((method, path))
        if self.fail is not None:
            self.fail(method, path)
        parts = [part for part in path.split("/") if part]
        try:
            return self._route(method, parts, params, body)
        except HttpError as error:
            return error.status, error.body
        except (Unsupported, SpecViolation) as error:
            self.problems.append(f"{type(error).__name__}: {error}")
            raise

    def _check(self, kind: str, body: Any) -> None:
        if self.validate_bodies:
            validate(kind, body)

    def _route(  # noqa: PLR0911 - one line per endpoint
        self, method: str, parts: list[str], params: dict[str, Any], body: Any
    ) -> tuple[int, Any]:
        if parts and parts[-1] == "_search" and method in ("GET", "POST"):
            target = parts[0] if len(parts) == 2 else "_all"
            document = _json(body) if body else {}
            self._check("search", document)
            return 200, self.search(target, document)
        if parts and parts[-1] == "_bulk" and method in ("POST", "PUT"):
            return 200, self.bulk(body, default_index=parts[0] if len(parts) == 2 else None)
        if parts == ["_aliases"] and method == "POST":
            document = _json(body)
            self._check("indices.update_aliases", document)
            return 200, self.update_aliases(document["actions"])
        if parts[-2:-1] == ["_alias"] or parts[:1] == ["_alias"]:
            return self.get_alias(parts, params)
        if len(parts) == 2 and parts[1] == "_settings" and method == "PUT":
            document = _json(body)
            self._check("indices.put_settings", document)
            self._index(parts[0]).settings.setdefault("index", {}).update(document.get("index", {}))
            return 200, {"acknowledged": True}
        if len(parts) == 2 and parts[1] == "_refresh":
            self._index(parts[0])
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        if len(parts) == 3 and parts[1] == "_doc" and method == "GET":
            index = self._index(parts[0])
            stored = index.docs.get(parts[2])
            if stored is None:
                return 404, {"_index": index.name, "_id": parts[2], "found": False}
            return 200, {
                "_index": index.name,
                "_id": parts[2],
                "_version": stored.version,
                "found": True,
                "_source": stored.source,
            }
        if len(parts) == 1 and not parts[0].startswith("_"):
            return self._index_endpoint(method, parts[0], body)
        raise Unsupported(f"endpoint {method} /{'/'.join(parts)}")

    def _index_endpoint(self, method: str, name: str, body: Any) -> tuple[int, Any]:
        if method == "PUT":
            document = _json(body) if body else {}
            self._check("indices.create", document)
            if name in self.indices or name in self.aliases:
                raise HttpError(400, "resource_already_exists_exception", f"{name} exists")
            _take(document, ("settings", "mappings"), "index creation")
            self.indices[name] = Index(
                name, Mapping.from_body(document["mappings"]), document.get("settings", {})
            )
            return 200, {"acknowledged": True, "index": name}
        if method == "DELETE":
            self._index(name)
            del self.indices[name]
            for members in self.aliases.values():
                members.discard(name)
            self.aliases = {alias: members for alias, members in self.aliases.items() if members}
            return 200, {"acknowledged": True}
        if method == "HEAD":
            return (200 if name in self.indices else 404), ""
        raise Unsupported(f"{method} /{name}")

    def _index(self, name: str) -> Index:
        if name not in self.indices:
            raise HttpError(404, "index_not_found_exception", f"no such index [{name}]")
        return self.indices[name]

    def resolve(self, target: str) -> list[Index]:
        if target in self.indices:
            return [self.indices[target]]
        if target in self.aliases:
            return [self.indices[name] for name in sorted(self.aliases[target])]
        raise HttpError(404, "index_not_found_exception", f"no such index [{target}]")

    # ---- aliases

    def get_alias(self, parts: list[str], params: dict[str, Any]) -> tuple[int, Any]:
        names = parts[-1].split(",") if parts[-1] != "_alias" else list(self.aliases)
        found: dict[str, Any] = {}
        missing = []
        for alias in names:
            members = self.aliases.get(alias)
            if not members:
                missing.append(alias)
                continue
            for index in members:
                found.setdefault(index, {"aliases": {}})["aliases"][alias] = {}
        if missing:
            return 404, {**found, "error": f"alias [{','.join(missing)}] missing", "status": 404}
        return 200, found

    def update_aliases(self, actions: list[dict[str, Any]]) -> dict[str, Any]:
        staged = {alias: set(members) for alias, members in self.aliases.items()}
        for action in actions:
            ((kind, spec),) = action.items()
            _take(spec, ("index", "alias"), f"alias {kind}")
            index, alias = spec["index"], spec["alias"]
            if kind == "add":
                self._index(index)
                if alias in self.indices:
                    raise HttpError(400, "invalid_alias_name_exception", f"{alias} is an index")
                staged.setdefault(alias, set()).add(index)
            elif kind == "remove":
                if index not in staged.get(alias, set()):
                    raise HttpError(
                        404, "aliases_not_found_exception", f"aliases [{alias}] missing"
                    )
                staged[alias].discard(index)
            else:
                raise Unsupported(f"alias action {kind!r}")
        self.aliases = {alias: members for alias, members in staged.items() if members}
        return {"acknowledged": True}

    # ---- documents

    def bulk(self, body: Any, default_index: str | None) -> dict[str, Any]:
        text = body.decode() if isinstance(body, bytes) else str(body)
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        items: list[dict[str, Any]] = []
        position = 0
        while position < len(lines):
            action = lines[position]
            self._check("bulk_action", action)
            ((kind, spec),) = action.items()
            if kind == "index":
                source = lines[position + 1]
                position += 2
            elif kind == "delete":
                source = None
                position += 1
            else:
                raise Unsupported(f"bulk {kind}")
            items.append({kind: self._bulk_item(kind, spec, source, default_index)})
        return {
            "took": 1,
            "errors": any("error" in next(iter(item.values())) for item in items),
            "items": items,
        }

    def _bulk_item(
        self, kind: str, spec: dict[str, Any], source: dict[str, Any] | None, default: str | None
    ) -> dict[str, Any]:
        _take(spec, ("_index", "_id", "version", "version_type"), f"bulk {kind}")
        target = spec.get("_index", default)
        doc_id = spec["_id"]
        try:
            indices = self.resolve(str(target))
            if len(indices) != 1:
                raise HttpError(400, "illegal_argument_exception", f"{target} has several indices")
            index = indices[0]
            if doc_id in self.reject_ids:
                raise HttpError(429, "es_rejected_execution_exception", "queue full (evaluator)")
            result, version = self._write(index, kind, doc_id, spec, source)
        except HttpError as error:
            return {
                "_index": target,
                "_id": doc_id,
                "status": error.status,
                "error": error.body["error"],
            }
        status = 201 if result == "created" else 200
        return {
            "_index": index.name,
            "_id": doc_id,
            "_version": version,
            "result": result,
            "status": status,
        }

    def _write(
        self,
        index: Index,
        kind: str,
        doc_id: str,
        spec: dict[str, Any],
        source: dict[str, Any] | None,
    ) -> tuple[str, int]:
        current = index.docs.get(doc_id)
        version_type = spec.get("version_type", "internal")
        if version_type == "internal":
            if "version" in spec:
                raise Unsupported("internal versioning with an explicit version")
            version = 1 if current is None else current.version + 1
        elif version_type in ("external", "external_gte"):
            version = int(spec["version"])
            if current is not None and (
                current.version >= version
                if version_type == "external"
                else current.version > version
            ):
                raise HttpError(
                    409,
                    "version_conflict_engine_exception",
                    f"[{doc_id}]: version conflict, current version [{current.version}] is "
                    f"higher or equal to the one provided [{version}]",
                )
        else:
            raise Unsupported(f"version_type {version_type!r}")
        if kind == "delete":
            if current is None:
                raise HttpError(404, "not_found", f"{doc_id} not found")
            del index.docs[doc_id]
            return "deleted", version
        assert source is not None
        values, nested = index.mapping.index(source)
        self._seq += 1
        index.docs[doc_id] = Stored(source, version, values, nested, self._seq)
        return ("created" if current is None else "updated"), version

    # ---- search

    def search(self, target: str, body: dict[str, Any]) -> dict[str, Any]:
        _take(
            body,
            ("query", "post_filter", "aggs", "sort", "size", "track_total_hits", "_source",
             "search_after"),
            "search body",
        )  # fmt: skip
        indices = self.resolve(target)
        query = body.get("query", {"match_all": {}})
        scored_sort = any(_sort_field(clause) == "_score" for clause in body.get("sort", []))
        scoring = "sort" not in body or scored_sort
        matched: list[_Hit] = []
        for index in indices:
            evaluator = Evaluator(index.mapping)
            for doc_id, doc in index.docs.items():
                score = evaluator.score(query, doc, scoring=scoring)
                if score is not None:
                    matched.append(_Hit(index, doc_id, doc, score))
        aggregations = self._aggregations(body.get("aggs", {}), matched)
        if "post_filter" in body:
            matched = [
                hit
                for hit in matched
                if Evaluator(hit.index.mapping).score(body["post_filter"], hit.doc, scoring=False)
                is not None
            ]
        size = int(body.get("size", 10))
        for index in indices:
            window = int(index.setting("max_result_window", DEFAULT_MAX_RESULT_WINDOW))
            if size > window:
                raise HttpError(400, "illegal_argument_exception", "Result window is too large")
        ordered = self._sorted(matched, body.get("sort"))
        if "search_after" in body:
            after = body["search_after"]
            if "sort" not in body or len(after) != len(body["sort"]):
                raise HttpError(400, "illegal_argument_exception", "search_after needs the sort")
            after_keys = _after_keys(after, body["sort"])
            ordered = [hit for hit in ordered if hit.keys > after_keys]
        total = body.get("track_total_hits")
        if total is not True:
            raise Unsupported("only track_total_hits: true is modelled")
        response: dict[str, Any] = {
            "took": 1,
            "timed_out": False,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {
                "total": {"value": len(matched), "relation": "eq"},
                "max_score": None,
                "hits": [
                    self._hit(hit, body.get("_source"), body.get("sort")) for hit in ordered[:size]
                ],
            },
        }
        if "aggs" in body:
            response["aggregations"] = aggregations
        return response

    def _hit(self, hit: _Hit, includes: Any, sort: list[Any] | None) -> dict[str, Any]:
        source = hit.doc.source
        if includes is not None:
            if not isinstance(includes, list):
                raise Unsupported("_source as a list of top-level fields only")
            source = {key: value for key, value in source.items() if key in includes}
        # Sorted on fields only, OpenSearch does not compute scores.
        scored = sort is None or any(_sort_field(clause) == "_score" for clause in sort)
        shown: dict[str, Any] = {
            "_index": hit.index.name,
            "_id": hit.doc_id,
            "_score": hit.score if scored else None,
            "_source": source,
        }
        if sort is not None:
            shown["sort"] = hit.sort
        return shown

    def _sorted(self, hits: list[_Hit], sort: list[dict[str, Any]] | None) -> list[_Hit]:
        if sort is None:
            for hit in hits:
                hit.keys = [_Desc(hit.score), hit.doc.seq]
            return sorted(hits, key=lambda hit: hit.keys)
        for hit in hits:
            hit.sort, hit.keys = [], []
            for clause in sort:
                value, order = self._sort_value(clause, hit)
                hit.sort.append(value)
                hit.keys.append(_key(value, order))
        return sorted(hits, key=lambda hit: hit.keys)

    def _sort_value(self, clause: dict[str, Any], hit: _Hit) -> tuple[Any, str]:
        if not isinstance(clause, dict) or len(clause) != 1:
            raise Unsupported(f"sort clause {clause!r}")
        ((name, spec),) = clause.items()
        if name == "_score":
            _take(spec, ("order",), "_score sort")
            return hit.score, spec.get("order", "desc")
        if name == "_geo_distance":
            spec = dict(spec)
            order = spec.pop("order", "asc")
            if spec.pop("unit", "m") != "m" or spec.pop("distance_type", "arc") != "arc":
                raise Unsupported("_geo_distance sort in metres, arc, only")
            path, center = self._single_field(spec)
            if hit.index.mapping.type_of(path) != "geo_point":
                raise Unsupported(f"_geo_distance on {path}")
            points = hit.doc.values.get(path, [])
            distances = [
                arc_distance_m(float(center["lat"]), float(center["lon"]), lat, lon)
                for lat, lon in points
            ]
            return (min(distances) if distances else math.inf), order
        _take(spec, ("order",), f"{name} sort")
        kind = hit.index.mapping.type_of(name)
        if kind not in ("keyword", "long"):
            raise Unsupported(f"sort on a {kind} field")
        order = spec.get("order", "asc")
        values = hit.doc.values.get(name, [])
        if not values:
            raise Unsupported(f"sort on {name}: missing values are not modelled")
        return (min(values) if order == "asc" else max(values)), order

    @staticmethod
    def _single_field(spec: dict[str, Any]) -> tuple[str, Any]:
        if len(spec) != 1:
            raise Unsupported(f"one field expected: {spec!r}")
        ((path, value),) = spec.items()
        return path, value

    # ---- aggregations

    def _aggregations(self, aggs: dict[str, Any], hits: list[_Hit]) -> dict[str, Any]:
        return {name: self._aggregation(spec, hits) for name, spec in aggs.items()}

    def _aggregation(self, spec: dict[str, Any], hits: list[_Hit]) -> dict[str, Any]:
        spec = dict(spec)
        sub = spec.pop("aggs", None) or spec.pop("aggregations", None) or {}
        if len(spec) != 1:
            raise Unsupported(f"aggregation {spec!r}")
        ((kind, params),) = spec.items()
        if kind == "filter":
            kept = [
                hit
                for hit in hits
                if Evaluator(hit.index.mapping).score(params, hit.doc, scoring=False) is not None
            ]
            return {"doc_count": len(kept), **self._aggregations(sub, kept)}
        if kind == "terms":
            return self._terms(params, sub, hits)
        if kind == "top_hits":
            if sub:
                raise Unsupported("sub-aggregations of top_hits")
            _take(params, ("size", "sort", "_source"), "top_hits")
            size = int(params.get("size", 3))
            for hit in hits:
                window = int(
                    hit.index.setting("max_inner_result_window", DEFAULT_MAX_INNER_RESULT_WINDOW)
                )
                if size > window:
                    raise HttpError(
                        400, "illegal_argument_exception", "Top hits result window is too large"
                    )
            ordered = self._sorted(list(hits), params.get("sort"))
            return {
                "hits": {
                    "total": {"value": len(hits), "relation": "eq"},
                    "max_score": None,
                    "hits": [
                        self._hit(hit, params.get("_source"), params.get("sort"))
                        for hit in ordered[:size]
                    ],
                }
            }
        raise Unsupported(f"aggregation {kind!r}")

    def _terms(
        self, params: dict[str, Any], sub: dict[str, Any], hits: list[_Hit]
    ) -> dict[str, Any]:
        _take(params, ("field", "size", "order", "include"), "terms aggregation")
        path = params["field"]
        include = params.get("include")
        if include is not None and not isinstance(include, list):
            raise Unsupported("terms include as a list of values only")
        members: dict[Any, list[_Hit]] = {}
        for hit in hits:
            if hit.index.mapping.type_of(path) != "keyword":
                raise Unsupported(f"terms on {path}")
            for value in set(hit.doc.values.get(path, [])):
                if include is None or value in include:
                    members.setdefault(value, []).append(hit)
        order = params.get("order", [{"_count": "desc"}, {"_key": "asc"}])
        order = order if isinstance(order, list) else [order]
        if order[-1:] != [{"_key": "asc"}]:
            order = [*order, {"_key": "asc"}]

        def key(item: tuple[Any, list[_Hit]]) -> list[Any]:
            keys = []
            for clause in order:
                ((what, direction),) = clause.items()
                if what == "_count":
                    value: Any = len(item[1])
                elif what == "_key":
                    value = item[0].encode() if isinstance(item[0], str) else item[0]
                else:
                    raise Unsupported(f"terms order by {what}")
                keys.append(_key(value, direction))
            return keys

        buckets = sorted(members.items(), key=key)
        size = int(params.get("size", 10))
        shown = buckets[:size]
        return {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": sum(len(items) for _, items in buckets[size:]),
            "buckets": [
                {"key": value, "doc_count": len(items), **self._aggregations(sub, items)}
                for value, items in shown
            ],
        }


class _Desc:
    """Reverses the order of a value (for descending sort keys)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return bool(other.value < self.value)

    def __gt__(self, other: _Desc) -> bool:
        return bool(other.value > self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and bool(self.value == other.value)

    def __hash__(self) -> int:
        return hash(self.value)


def _key(value: Any, order: str) -> Any:
    if isinstance(value, str):
        value = value.encode()  # Lucene compares keywords as UTF-8 bytes
    if order == "asc":
        return value
    if order == "desc":
        return _Desc(value)
    raise Unsupported(f"sort order {order!r}")


def _sort_field(clause: Any) -> str:
    return next(iter(clause)) if isinstance(clause, dict) else str(clause)


def _after_keys(after: list[Any], sort: list[dict[str, Any]]) -> list[Any]:
    keys = []
    for value, clause in zip(after, sort, strict=True):
        ((name, spec),) = clause.items()
        order = spec.get("order", "desc" if name == "_score" else "asc")
        keys.append(_key(value, order))
    return keys


def _json(body: Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode()
    return json.loads(body)


# ----------------------------------------------------------------------------- connection


class FakeConnection(Connection):
    """An opensearch-py connection whose server is a ``Cluster``."""

    def __init__(self, *, cluster: Cluster, **kwargs: Any) -> None:
        kwargs.pop("http_auth", None)  # SigV4 signing is tested on its own
        kwargs.pop("pool_maxsize", None)
        super().__init__(**kwargs)
        self.cluster = cluster

    def perform_request(  # noqa: PLR0917 - opensearch-py's signature
        self,
        method: str,
        url: str,
        params: Any = None,
        body: Any = None,
        timeout: Any = None,
        ignore: Any = (),
        headers: Any = None,
    ) -> Any:
        if body is not None and isinstance(body, bytes) and body[:2] == b"\x1f\x8b":
            import gzip

            body = gzip.decompress(body)
        status, payload = self.cluster.handle(method, url, dict(params or {}), body)
        raw = payload if isinstance(payload, str) else json.dumps(payload)
        if not 200 <= status < 300 and status not in (ignore or ()):
            self._raise_error(status, raw, "application/json")
        return status, {"content-type": "application/json"}, raw


def timeout_on(kind: str) -> Callable[[str, str], None]:
    """A failure hook: every request whose path ends with ``kind`` times out."""

    def fail(method: str, path: str) -> None:
        if path.endswith(kind):
            raise ConnectionTimeout("TIMEOUT", "Read timed out (evaluator)", TimeoutError())

    return fail
