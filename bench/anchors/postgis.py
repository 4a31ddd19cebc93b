"""A throwaway PostgreSQL + PostGIS cluster, and the queries a PostGIS-backed directory runs.

The anchor the search benchmark compares Repère's search CPU with: the same places loaded into
one PostGIS table with the indexes such a directory would have, and the statements it would run
for one page of results (top ``limit`` + total count + category facets).

    anchor = PostgisAnchor.start()          # None when PostgreSQL/PostGIS are not installed
    if anchor is None:
        print(PostgisAnchor.unavailable_reason())
    else:
        with anchor:
            anchor.load(rows_from_places(places, now))
            ms, page = median_ms(lambda: anchor.geo(48.8867, 2.3795, 5_000), repeats=7)

The cluster (``make bench-deps`` installs the binaries) lives in a fresh temporary directory:
``initdb`` as the ``postgres`` OS user (initdb refuses root; run through ``runuser`` when we
are root, as ourselves otherwise), database superuser ``postgres`` with ``trust`` on a private
unix socket only (``listen_addresses = ''``, socket directory mode 0700, no TCP), ``fsync``,
``synchronous_commit`` and ``full_page_writes`` off (nothing here has to survive a crash).
Collation "C" (code point order, as Python compares ``sort_name``).

Two settings make the figures comparable with one Lambda running Python on one core:
``max_parallel_workers_per_gather = 0`` (a query uses one core, no parallel workers) and
``jit = off`` (JIT compilation of the larger aggregates costs tens of milliseconds per query and
is what most OLTP deployments switch off). Both can be overridden with ``start(settings=...)``.

Timing: each query method executes its statements and fetches every row over the socket with
psycopg, ``time.perf_counter`` around the lot: server planning and execution plus the client's
decoding (a PostGIS-backed API would pay both). Statements are not prepared
(``prepare_threshold=None``): each one is planned with its actual values, like an ORM would.
The first call with a given set of arguments runs the statements once untimed first, so every
timed run sees warm caches; callers time several calls and take the median (``median_ms``).

A crash of the caller does not leave a cluster behind: ``stop()`` runs from ``atexit`` too
(only SIGKILL of the Python process can orphan one; it then lives in /tmp/repere-postgis-*,
and ``pg_ctl -D <dir>/data stop -m immediate`` as postgres ends it).
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import importlib.util
import os
import pwd
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, LiteralString, TypedDict
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import psycopg
    from psycopg import sql

    from chalicelib.domain.places.models import Place

POSTGRES_ROOT = "/usr/lib/postgresql"
SHARE_ROOT = "/usr/share/postgresql"
OS_USER = "postgres"
DB_USER = "postgres"
DATABASE = "bench"
# Only names the socket file (.s.PGSQL.<port>) in our own directory: never bound on TCP.
DEFAULT_PORT = 54329

SETTINGS: dict[str, str] = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "'128MB'",
    "work_mem": "'16MB'",
    "maintenance_work_mem": "'256MB'",
    "max_connections": "10",
    "max_parallel_workers_per_gather": "0",
    "jit": "off",
    "logging_collector": "off",
}


# One search page: top ``limit``, count, facets.
_Statements = tuple["sql.Composed", "sql.Composed", "sql.Composed"]


class PlaceRow(TypedDict):
    """One row of the ``places`` table (see ``rows_from_places``)."""

    id: str
    name: str
    sort_name: str
    lat: float
    lon: float
    department: str
    categories: list[str]  # leaf categories of the place
    facet_categories: list[str]  # leaves and all their ancestors
    open_now: bool
    closed_today: bool


@dataclass(frozen=True)
class PageResult:
    """What one search page costs and returns."""

    ms: float  # wall-clock milliseconds of the page's statements, executed and fetched
    statement_ms: tuple[float, ...]  # the same, per statement (top, count, facets)
    ids: list[str]  # the page, in order
    distances_m: list[float] | None  # ST_Distance on the sphere of each id; None when not geo
    total: int  # how many places match
    facets: dict[str, int]  # category id -> matching places (ignores the category filter)


@dataclass(frozen=True)
class _Binaries:
    bindir: Path
    version: str


def _locate() -> _Binaries | str:
    """The newest PostgreSQL with initdb, pg_ctl and the postgis extension, or why not."""
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed (requirements-dev.txt)"
    candidates = sorted(
        (Path(path) for path in glob.glob(f"{POSTGRES_ROOT}/*/bin")),
        key=lambda path: _version_key(path.parent.name),
        reverse=True,
    )
    if not candidates:
        return f"no PostgreSQL server under {POSTGRES_ROOT}/*/bin (make bench-deps)"
    for bindir in candidates:
        version = bindir.parent.name
        tools = ("initdb", "pg_ctl", "postgres")
        if not all(os.access(bindir / tool, os.X_OK) for tool in tools):
            continue
        if (Path(SHARE_ROOT) / version / "extension" / "postgis.control").is_file():
            return _Binaries(bindir, version)
    found = ", ".join(path.parent.name for path in candidates)
    return f"PostgreSQL {found} found but no postgis extension for it (make bench-deps)"


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _run_as_owner_prefix() -> list[str] | str:
    """How to run a server binary: as the postgres OS user when we are root."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        return f"running as root and there is no {OS_USER!r} OS user to run PostgreSQL as"
    runuser = shutil.which("runuser")
    if runuser is None:
        return "running as root without runuser to switch to the postgres OS user"
    return [runuser, "-u", OS_USER, "--"]


class PostgisAnchor:
    """A running throwaway cluster with PostGIS and a psycopg connection to it."""

    def __init__(self, binaries: _Binaries, prefix: list[str], root: Path, port: int) -> None:
        self._binaries = binaries
        self._prefix = prefix
        self.root = root
        self.data_dir = root / "data"
        self.port = port
        self._connection: psycopg.Connection[tuple[Any, ...]] | None = None
        self._warmed: set[tuple[object, ...]] = set()
        self._stopped = False
        atexit.register(self.stop)

    # -- life cycle -------------------------------------------------------------------------

    @staticmethod
    def unavailable_reason() -> str | None:
        """Why ``start()`` would return None on this machine; None when it can start."""
        found = _locate()
        if isinstance(found, str):
            return found
        prefix = _run_as_owner_prefix()
        return prefix if isinstance(prefix, str) else None

    @classmethod
    def start(
        cls, *, port: int = DEFAULT_PORT, settings: Mapping[str, str] | None = None
    ) -> PostgisAnchor | None:
        """A fresh cluster with an empty ``bench`` database (PostGIS created), or None when
        PostgreSQL/PostGIS/psycopg are not installed (``unavailable_reason()`` says which).

        Raises RuntimeError (with the server log's tail) when the binaries exist but the cluster
        does not come up."""
        binaries = _locate()
        prefix = _run_as_owner_prefix()
        if isinstance(binaries, str) or isinstance(prefix, str):
            return None
        root = Path(tempfile.mkdtemp(prefix="repere-postgis-"))
        anchor = cls(binaries, prefix, root, port)
        try:
            anchor._boot({**SETTINGS, **(settings or {})})
        except BaseException:
            anchor.stop()
            raise
        return anchor

    def _boot(self, settings: Mapping[str, str]) -> None:
        if self._prefix:
            owner = pwd.getpwnam(OS_USER)
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._server(
            "initdb",
            "--pgdata",
            str(self.data_dir),
            "--username",
            DB_USER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        )
        lines = [f"{name} = {value}" for name, value in settings.items()]
        lines += [f"port = {self.port}", f"unix_socket_directories = '{self.root}'"]
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# bench/anchors/postgis.py\n" + "\n".join(lines) + "\n")
        self._server(
            "pg_ctl",
            "--pgdata",
            str(self.data_dir),
            "--log",
            str(self.log_file),
            "--wait",
            "--timeout",
            "60",
            "start",
        )
        from psycopg import sql

        with self._connect("postgres") as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        self._connection = self._connect(DATABASE)
        self._connection.execute("CREATE EXTENSION postgis")

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    def _server(self, tool: str, *args: str) -> None:
        command = [*self._prefix, str(self._binaries.bindir / tool), *args]
        result = subprocess.run(  # noqa: S603 (our own binaries and arguments)
            command, cwd=self.root, capture_output=True, text=True, check=False, timeout=120
        )
        if result.returncode != 0:
            log = (
                self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            )
            raise RuntimeError(
                f"{tool} failed ({result.returncode}): {result.stderr.strip()}\n{log}".strip()
            )

    def _connect(self, dbname: str) -> psycopg.Connection[tuple[Any, ...]]:
        import psycopg

        connection = psycopg.connect(
            host=str(self.root), port=self.port, user=DB_USER, dbname=dbname, autocommit=True
        )
        connection.prepare_threshold = None
        return connection

    @property
    def connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._connection is None:
            raise RuntimeError("the PostGIS anchor is stopped")
        return self._connection

    @property
    def server_version(self) -> str:
        row = self.connection.execute(
            "SELECT current_setting('server_version') || ' / PostGIS ' || postgis_lib_version()"
        ).fetchone()
        return str(row[0]) if row else "?"

    def stop(self) -> None:
        """Stops the cluster (immediate mode) and removes its directory; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None
        if (self.data_dir / "postmaster.pid").exists():
            try:
                self._server(
                    "pg_ctl", "--pgdata", str(self.data_dir), "--mode", "immediate", "stop"
                )
            except (RuntimeError, subprocess.TimeoutExpired):
                self._kill_postmaster()
        shutil.rmtree(self.root, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)

    def __enter__(self) -> PostgisAnchor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- data -------------------------------------------------------------------------------

    def load(self, rows: Iterable[PlaceRow]) -> int:
        """(Re)creates ``places`` with ``rows`` (COPY), its indexes and statistics; returns the
        number of rows. 100,000 rows take a few seconds."""
        connection = self.connection
        self._warmed.clear()
        connection.execute("DROP TABLE IF EXISTS places")
        connection.execute(
            "CREATE TABLE places ("
            " id text PRIMARY KEY, name text NOT NULL, sort_name text NOT NULL,"
            " department text NOT NULL, categories text[] NOT NULL,"
            " facet_categories text[] NOT NULL, open_now boolean NOT NULL,"
            " closed_today boolean NOT NULL, geog geography(Point, 4326) NOT NULL)"
        )
        count = 0
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY places (id, name, sort_name, department, categories, facet_categories,"
                " open_now, closed_today, geog) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(
                    (
                        row["id"],
                        row["name"],
                        row["sort_name"],
                        row["department"],
                        row["categories"],
                        row["facet_categories"],
                        row["open_now"],
                        row["closed_today"],
                        f"SRID=4326;POINT({row['lon']!r} {row['lat']!r})",
                    )
                )
                count += 1
        connection.execute("CREATE INDEX places_geog_idx ON places USING GIST (geog)")
        connection.execute(
            "CREATE INDEX places_department_idx ON places (department, sort_name, id)"
        )
        connection.execute("CREATE INDEX places_categories_idx ON places USING GIN (categories)")
        connection.execute("VACUUM ANALYZE places")
        return count

    # -- queries ----------------------------------------------------------------------------

    def geo(
        self,
        lat: float,
        lon: float,
        radius_m: float,
        category_leaves: Sequence[str] | None = None,
        *,
        open_now_only: bool = False,
        limit: int = 20,
    ) -> PageResult:
        """One page of a search around a point: the ``limit`` nearest places within
        ``radius_m`` (ties by id), how many there are, and category facets (the facets ignore
        the category filter, as a UI shows them to change it). Places closed today never
        match. ``category_leaves`` are leaf ids (a theme's descendants); any one matches."""
        statements = self._geo_statements(category_leaves, open_now_only)
        params = _geo_params(lat, lon, radius_m, category_leaves, limit)
        key = ("geo", lat, lon, radius_m, tuple(category_leaves or ()), open_now_only, limit)
        return self._page(key, statements, params, with_distance=True)

    def department(self, code: str, limit: int = 20) -> PageResult:
        """One page of a department listing: the first ``limit`` places by ``sort_name, id``,
        the count and the category facets, places closed today left out."""
        statements = _department_statements()
        key = ("department", code, limit)
        return self._page(key, statements, {"department": code, "limit": limit}, False)

    def explain_geo(
        self,
        lat: float,
        lon: float,
        radius_m: float,
        category_leaves: Sequence[str] | None = None,
        *,
        open_now_only: bool = False,
        limit: int = 20,
    ) -> list[str]:
        """EXPLAIN (ANALYZE) of each statement of ``geo`` with these arguments."""
        statements = self._geo_statements(category_leaves, open_now_only)
        params = _geo_params(lat, lon, radius_m, category_leaves, limit)
        return [self._explain(statement, params) for statement in statements]

    def explain_department(self, code: str, limit: int = 20) -> list[str]:
        """EXPLAIN (ANALYZE) of each statement of ``department``."""
        params = {"department": code, "limit": limit}
        return [self._explain(statement, params) for statement in _department_statements()]

    def _explain(self, statement: sql.Composed, params: Mapping[str, object]) -> str:
        from psycopg import sql

        explain = sql.SQL("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ")
        rows = self.connection.execute(explain + statement, params).fetchall()
        return "\n".join(str(row[0]) for row in rows)

    @staticmethod
    def _geo_statements(category_leaves: Sequence[str] | None, open_now_only: bool) -> _Statements:
        from psycopg import sql

        point = sql.SQL("ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography")
        # On the sphere (use_spheroid false), as Repère's haversine with the same mean radius,
        # and as the KNN operator <-> orders: distances and order agree.
        near: LiteralString = "ST_DWithin(geog, {point}, %(radius)s, false) AND NOT closed_today"
        if open_now_only:
            near += " AND open_now"
        where = near
        if category_leaves:
            where += " AND categories && %(categories)s::text[]"
        return _statements(
            "SELECT id, ST_Distance(geog, {point}, false) FROM places WHERE {where}"
            " ORDER BY geog <-> {point}, id LIMIT %(limit)s",
            where=sql.SQL(where).format(point=point),
            near=sql.SQL(near).format(point=point),
            point=point,
        )

    def _page(
        self,
        key: tuple[object, ...],
        statements: _Statements,
        params: Mapping[str, object],
        with_distance: bool,
    ) -> PageResult:
        if key not in self._warmed:
            self._run(statements, params)
            self._warmed.add(key)
        return self._run(statements, params, with_distance)

    def _run(
        self,
        statements: _Statements,
        params: Mapping[str, object],
        with_distance: bool = False,
    ) -> PageResult:
        top, count, facets = statements
        with self.connection.cursor() as cursor:
            started = time.perf_counter()
            page = cursor.execute(top, params).fetchall()
            after_top = time.perf_counter()
            counted = cursor.execute(count, params).fetchone()
            after_count = time.perf_counter()
            facet_rows = cursor.execute(facets, params).fetchall()
            ended = time.perf_counter()
        return PageResult(
            ms=(ended - started) * 1000,
            statement_ms=(
                (after_top - started) * 1000,
                (after_count - after_top) * 1000,
                (ended - after_count) * 1000,
            ),
            ids=[str(row[0]) for row in page],
            distances_m=[float(row[1]) for row in page] if with_distance else None,
            total=int(counted[0]) if counted else 0,
            facets={str(row[0]): int(row[1]) for row in sorted(facet_rows)},
        )


def _geo_params(
    lat: float,
    lon: float,
    radius_m: float,
    category_leaves: Sequence[str] | None,
    limit: int,
) -> dict[str, object]:
    return {
        "lat": float(lat),
        "lon": float(lon),
        "radius": float(radius_m),
        "categories": list(category_leaves or ()),
        "limit": limit,
    }


def _department_statements() -> _Statements:
    from psycopg import sql

    where = sql.SQL("department = %(department)s AND NOT closed_today")
    return _statements(
        "SELECT id FROM places WHERE {where} ORDER BY sort_name, id LIMIT %(limit)s",
        where=where,
        near=where,
    )


def _statements(top: LiteralString, **fragments: sql.Composable) -> _Statements:
    """The statements of one page: ``top`` (the page), then the count of ``{where}`` and the
    facets of ``{near}`` (the filter without the category). Built from constant SQL only:
    every value travels as a query parameter."""
    from psycopg import sql

    return (
        sql.SQL(top).format(**fragments),
        sql.SQL("SELECT count(*) FROM places WHERE {where}").format(**fragments),
        sql.SQL(
            "SELECT category, count(*) FROM places, unnest(facet_categories) AS category"
            " WHERE {near} GROUP BY category"
        ).format(**fragments),
    )


def median_ms(run: Callable[[], PageResult], repeats: int = 7) -> tuple[float, PageResult]:
    """Calls ``run`` ``repeats`` times; the median of their ``ms`` and the last result."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    results = [run() for _ in range(repeats)]
    return statistics.median(result.ms for result in results), results[-1]


def category_leaves(category_id: str) -> list[str]:
    """The leaf categories under ``category_id`` (itself when it is a leaf), sorted: what a
    category filter on a theme must match, since places carry leaves only."""
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy

    taxonomy = default_taxonomy()
    return sorted(
        descendant
        for descendant in taxonomy.descendants(category_id)
        if not taxonomy.get(descendant).children
    )


def rows_from_places(
    places: Iterable[Place], now: datetime, *, online_only: bool = True
) -> list[PlaceRow]:
    """Rows of the ``places`` table for ``places`` as seen at ``now``.

    Only online places by default (the only ones Repère's search returns). ``open_now`` is the
    hours engine's state at ``now``; ``closed_today`` means a temporary closure covers the
    place's local date (or the place is permanently closed). Facet categories are the leaves
    and all their ancestors (a place counts once per theme)."""
    from chalicelib.domain.hours.engine import schedule_for_place, state_at
    from chalicelib.domain.places.models import PlaceStatus
    from chalicelib.domain.search.text import words
    from chalicelib.domain.taxonomy.taxonomy import default_taxonomy

    taxonomy = default_taxonomy()
    rows: list[PlaceRow] = []
    for place in places:
        if online_only and place.status is not PlaceStatus.ONLINE:
            continue
        day = now.astimezone(ZoneInfo(place.timezone)).date()
        closed_today = (
            place.status is PlaceStatus.PERMANENTLY_CLOSED
            or place.active_temporary_closure(day) is not None
        )
        leaves = place.categories
        facets = dict.fromkeys(ancestor for leaf in leaves for ancestor in taxonomy.ancestors(leaf))
        rows.append(
            PlaceRow(
                id=place.id,
                name=place.name,
                sort_name=" ".join(words(place.name)),
                lat=place.location.lat,
                lon=place.location.lon,
                department=place.address.department_code,
                categories=list(leaves),
                facet_categories=list(facets),
                open_now=state_at(schedule_for_place(place), now).open_now,
                closed_today=closed_today,
            )
        )
    return rows
