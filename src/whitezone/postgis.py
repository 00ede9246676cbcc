"""PostGIS: layers read from tables, results written as tables.

A layer's ``path`` may name a database instead of a file, as a URL or as
GDAL's ``PG:`` connection string, with the table as its ``layer``::

    sites = { path = "postgresql://planner@gis.example.vn/telecom", layer = "inventory.bts" }
    sites = { path = "PG:dbname=telecom host=gis.example.vn user=planner", layer = "inventory.bts" }

and ``whitezone run --to postgresql://planner@gis.example.vn/telecom?schema=wz_2026``
writes the run's tables into a schema (:func:`write_tables`).

pyogrio's wheels carry no PostgreSQL driver, so tables are read and written
with the libraries geopandas uses for PostGIS (:func:`geopandas.read_postgis`,
:meth:`geopandas.GeoDataFrame.to_postgis`): SQLAlchemy, GeoAlchemy2 and
psycopg 3, the optional extra ``pip install "whitezone[postgis]"``, imported
only when a database is used.

Passwords are never shown: :class:`DatabaseURL` prints itself with the
password as ``***``, and :func:`redact` masks them in any text (a driver's
error message) before it reaches a log, a report or an error.  Every
identifier is quoted by SQLAlchemy's quoting and every value is a bound
parameter.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import InputError, MissingExtraError, Problem

__all__ = [
    "DEFAULT_SCHEMA",
    "DatabaseURL",
    "check_connection",
    "is_database",
    "parse_url",
    "read_table",
    "redact",
    "split_table",
    "write_tables",
]

logger = logging.getLogger(__name__)

#: The schema results are written to when neither the URL nor the caller names one.
DEFAULT_SCHEMA = "whitezone"
#: The pip command that installs what PostGIS needs.
INSTALL = 'pip install "whitezone[postgis]"'
_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
#: PostgreSQL truncates longer identifiers silently; a truncated name would miss its table.
MAX_IDENTIFIER_BYTES = 63
#: Seconds to wait for a server before giving up (unless the URL sets connect_timeout).
CONNECT_TIMEOUT_S = 10
MASK = "***"

_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)([^@\s]*)(@)", re.I)
_CONNINFO_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)", re.I)


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with every password masked as ``***``.

    Masks the password of URLs (``postgresql://user:secret@host``),
    ``password=...`` pairs (``PG:`` strings, URL queries) and, wherever it
    appears, each of ``secrets`` (a password a driver may quote back).
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(rf"\g<1>{MASK}\g<3>", text)
    return _CONNINFO_PASSWORD.sub(rf"\g<1>{MASK}", text)


@dataclass(frozen=True)
class DatabaseURL:
    """Where a PostgreSQL database is; prints itself with the password masked.

    Built by :func:`parse_url`.  ``str()`` and ``repr()`` never show the
    password, so a DatabaseURL may go wherever a file's path goes in
    messages, logs and reports.

    Attributes
    ----------
    database : str
    host, port, username : optional
        None: libpq's defaults (the local socket, 5432, the login name).
    password : str, optional
        Not shown by ``str()``/``repr()``.
    query : tuple of (key, value)
        Further libpq settings (``sslmode``, ``host`` of a socket folder ...).
    schema : str, optional
        ``?schema=`` (URL) or ``schemas=``/``active_schema=`` (``PG:``): where
        unqualified tables are read and results written.
    table : str, optional
        ``tables=`` of a ``PG:`` string: the layer when none is named.
    """

    database: str
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    query: tuple[tuple[str, str], ...] = ()
    schema: str | None = None
    table: str | None = None

    def __str__(self) -> str:
        user = quote(self.username or "", safe="")
        auth = f"{user}:{MASK}@" if self.password else f"{user}@" if user else ""
        host = f"[{self.host}]" if self.host and ":" in self.host else self.host or ""
        port = f":{self.port}" if self.port else ""
        params = [*self.query, *((("schema", self.schema),) if self.schema else ())]
        tail = "?" + "&".join(f"{quote(k)}={quote(v, safe='/')}" for k, v in params) if params else ""
        return redact(f"postgresql://{auth}{host}{port}/{quote(self.database, safe='')}{tail}",
                      self.password)  # fmt: skip

    def __repr__(self) -> str:
        return f"DatabaseURL({str(self)!r})"

    @property
    def name(self) -> str:
        """What messages call it (as a file's name): the URL, password masked."""
        return str(self)

    def sqlalchemy_url(self):
        """The ``postgresql+psycopg`` URL SQLAlchemy connects with (holds the password)."""
        sa = _sqlalchemy()
        return sa.engine.URL.create("postgresql+psycopg", username=self.username,
                                    password=self.password, host=self.host, port=self.port,
                                    database=self.database, query=dict(self.query))  # fmt: skip


def is_database(path: object) -> bool:
    """True when a layer's path names a database: a ``postgresql://`` URL or a ``PG:`` string."""
    if isinstance(path, DatabaseURL):
        return True
    if not isinstance(path, str):
        return False
    text = path.strip()
    return text[:3].upper() == "PG:" or any(text.lower().startswith(f"{s}://") for s in _SCHEMES)


def _split_conninfo(text: str, source: str) -> dict[str, str]:
    """libpq's ``key=value`` pairs; values may be single-quoted with ``\\`` escapes."""
    pairs: dict[str, str] = {}
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        m = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*").match(text, i)
        if not m:
            raise InputError(Problem(source, f"cannot read the PG: string near {redact(text[i:i + 20])!r}: "
                                     "expected key=value pairs such as dbname=gis host=server user=me"))  # fmt: skip
        key, i = m.group(1).lower(), m.end()
        value = []
        if i < n and text[i] == "'":
            i += 1
            while i < n and text[i] != "'":
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                value.append(text[i])
                i += 1
            if i >= n:
                raise InputError(Problem(source, f"the PG: string's value of {key} has no closing quote"))
            i += 1
        else:
            while i < n and not text[i].isspace():
                value.append(text[i])
                i += 1
        pairs[key] = "".join(value)
    return pairs


def parse_url(text: str | DatabaseURL) -> DatabaseURL:
    """A database from a ``postgresql://`` URL or a GDAL ``PG:`` connection string.

    Parameters
    ----------
    text : str
        ``postgresql://user:password@host:port/database?schema=wz&sslmode=require``
        (``postgres://`` too; user, password, host and port optional,
        percent-encoded) or ``PG:dbname=database host=... port=... user=...
        password=... schemas=...`` (GDAL's form; ``PG:postgresql://...`` too).

    Returns
    -------
    DatabaseURL

    Raises
    ------
    InputError
        Not a database URL, no database named, a port that is not a number;
        the message shows the URL with its password masked.
    """
    if isinstance(text, DatabaseURL):
        return text
    raw = str(text).strip()
    shown = redact(raw)
    if raw[:3].upper() == "PG:":
        rest = raw[3:].strip()
        if any(rest.lower().startswith(f"{s}://") for s in _SCHEMES):
            return parse_url(rest)
        pairs = _split_conninfo(rest, shown)
        database = pairs.pop("dbname", "")
        port = pairs.pop("port", None)
        schemas = [s.strip() for s in pairs.pop("schemas", "").split(",") if s.strip()]
        schema = pairs.pop("active_schema", None) or (schemas[0] if schemas else None)
        table = pairs.pop("tables", None)
        for gdal_only in ("list_all_tables",):
            pairs.pop(gdal_only, None)
        url = {"database": database, "host": pairs.pop("host", None) or None,
               "username": pairs.pop("user", None) or None, "password": pairs.pop("password", None),
               "schema": schema, "table": (table.split(",")[0].strip() or None) if table else None}
        query = tuple(sorted(pairs.items()))
    else:
        if not any(raw.lower().startswith(f"{s}://") for s in _SCHEMES):
            raise InputError(Problem(shown, "not a database URL; expected postgresql://user@host/"
                                     'database or a GDAL string "PG:dbname=... host=..."'))  # fmt: skip
        parts = urlsplit(raw)
        try:
            port = parts.port
        except ValueError:
            raise InputError(Problem(shown, "the port is not a number between 0 and 65535")) from None
        pairs = dict(parse_qsl(parts.query, keep_blank_values=True))
        password = unquote(parts.password) if parts.password is not None else None
        password = pairs.pop("password", None) or password
        url = {"database": unquote(parts.path.lstrip("/")), "host": parts.hostname or None,
               "username": unquote(parts.username) if parts.username else None,
               "password": password, "schema": pairs.pop("schema", None) or None}
        query = tuple(sorted(pairs.items()))
    if not url["database"]:
        raise InputError(Problem(shown, "no database named; write postgresql://user@host/DATABASE "
                                 'or "PG:dbname=DATABASE host=..."'))  # fmt: skip
    if port is not None:
        try:
            port = int(port)
        except ValueError:
            raise InputError(Problem(shown, f"the port {port!r} is not a number")) from None
    if url["schema"]:
        _check_identifier(url["schema"], shown, "schema")
    return DatabaseURL(port=port, query=query, **url)


def _check_identifier(name: str, source: str, what: str) -> str:
    if not name or len(name.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        raise InputError(Problem(source, f"the {what} name {name!r} must have 1 to "
                                 f"{MAX_IDENTIFIER_BYTES} bytes (PostgreSQL's limit)"))  # fmt: skip
    return name


def split_table(layer: str, *, schema: str | None = None, source: str = "table") -> tuple[str, str]:
    """``(schema, table)`` of ``"schema.table"`` (or ``"table"`` in ``schema``, else ``public``).

    Names may be double-quoted to hold a dot: ``'"my.schema"."bts 2026"'``.
    """
    names, text = [], layer.strip()
    while text:
        if text.startswith('"'):
            m = re.match(r'"((?:[^"]|"")*)"', text)
            if not m:
                raise InputError(Problem(source, f"the table name {layer!r} has no closing quote"))
            names.append(m.group(1).replace('""', '"'))
            text = text[m.end():]
        else:
            head, _, _ = text.partition(".")
            names.append(head.strip())
            text = text[len(head):]
        if text.startswith("."):
            text = text[1:]
            if not text:
                names.append("")
        elif text:
            raise InputError(Problem(source, f"cannot read the table name {layer!r}; write "
                                     '"schema.table"'))  # fmt: skip
    if len(names) == 1:
        names = [schema or "public", names[0]]
    if len(names) != 2 or not all(names):
        raise InputError(Problem(source, f'cannot read the table name {layer!r}; write "schema.table" '
                                 'or "table"'))  # fmt: skip
    for what, name in zip(("schema", "table"), names, strict=True):
        _check_identifier(name, source, what)
    return names[0], names[1]


# -- connecting ---------------------------------------------------------------------------------


def _sqlalchemy():
    """SQLAlchemy, after checking the extra ``postgis`` is installed."""
    try:
        import geoalchemy2  # noqa: F401  (to_postgis needs it)
        import psycopg  # noqa: F401
        import sqlalchemy
    except ImportError as exc:
        raise MissingExtraError(f"reading and writing PostGIS needs SQLAlchemy, GeoAlchemy2 and "
                                f"psycopg ({exc.name} is missing): {INSTALL}") from None  # fmt: skip
    return sqlalchemy


def _engine(url: DatabaseURL):
    sa = _sqlalchemy()
    connect_args = {} if any(k == "connect_timeout" for k, _ in url.query) else {
        "connect_timeout": CONNECT_TIMEOUT_S}  # fmt: skip
    # NullPool: a run connects once or twice; no connection should outlive it.
    # hide_parameters: SQLAlchemy's errors would otherwise quote the values bound.
    return sa.create_engine(url.sqlalchemy_url(), poolclass=sa.pool.NullPool,
                            hide_parameters=True, connect_args=connect_args)  # fmt: skip


def describe_error(exc: BaseException, url: DatabaseURL | None = None) -> str:
    """A driver's error on one line, without SQLAlchemy's SQL dump and with passwords masked."""
    orig = getattr(exc, "orig", None) or exc
    lines = []
    for line in str(orig).splitlines():
        line = line.strip()
        if not line or line.startswith(("[SQL:", "[parameters:", "(Background on this error")):
            continue
        lines.append(line)
    text = " ".join(lines) or type(orig).__name__
    return redact(text, url.password if url else None)


def check_connection(url: str | DatabaseURL) -> DatabaseURL:
    """Connect once, so a wrong password or host is reported before a long run.

    Returns
    -------
    DatabaseURL

    Raises
    ------
    InputError
        Bad URL, server unreachable, login refused (password masked).
    MissingExtraError
        SQLAlchemy, GeoAlchemy2 or psycopg missing.
    """
    url = parse_url(url)
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:
        raise InputError(Problem(str(url), f"cannot connect: {describe_error(exc, url)}")) from None
    finally:
        engine.dispose()
    return url


# -- reading ------------------------------------------------------------------------------------


def table_source(url: DatabaseURL, schema: str, table: str) -> str:
    """What messages call a table: the URL (password masked) and ``[schema.table]``."""
    return f"{url} [{schema}.{table}]"


def read_table(url: str | DatabaseURL, layer: str | None, *, role: str = "layer") -> pd.DataFrame:
    """Read a table (or view) as a layer file would be read.

    Parameters
    ----------
    url : str or DatabaseURL
    layer : str or None
        ``"schema.table"`` or ``"table"`` (in the URL's schema, else
        ``public``); None: the ``tables=`` of a ``PG:`` string.
    role : str
        The layer's role, for messages.

    Returns
    -------
    GeoDataFrame or DataFrame
        A GeoDataFrame when the table has a geometry (or geography) column
        (its first one; CRS from its SRID), else a DataFrame (a table with
        lon/lat columns).  The index labels each row for messages:
        ``"feature <key>"`` by the primary key when it is one column (rows
        in its order), else ``"row <n>"``.  ``attrs["source"]`` is the
        table's name for messages (:func:`table_source`).

    Raises
    ------
    InputError
        Unreachable server, unknown table (the tables there are listed),
        no permission; the message names the table, never the password.
    MissingExtraError
        SQLAlchemy, GeoAlchemy2 or psycopg missing.
    """
    url = parse_url(url)
    layer = layer or url.table
    if not layer:
        raise InputError(Problem(str(url), f'name the {role} table with layer = "schema.table" in '
                                 f"[layers.{role}]"))  # fmt: skip
    schema, table = split_table(layer, schema=url.schema, source=str(url))
    source = table_source(url, schema, table)
    sa = _sqlalchemy()
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            frame = _read(sa, conn, schema, table, source)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(Problem(source, f"cannot read the {role} table: "
                                 f"{describe_error(exc, url)}")) from None  # fmt: skip
    finally:
        engine.dispose()
    logger.debug("read %s: %d rows", source, len(frame))
    return frame


def _read(sa, conn, schema: str, table: str, source: str) -> pd.DataFrame:
    found = conn.execute(sa.text(
        "SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relname = :table "
        "AND c.relkind IN ('r', 'v', 'm', 'p', 'f')"), {"schema": schema, "table": table}).first()  # fmt: skip
    if found is None:
        names = conn.execute(sa.text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = :schema "
            "ORDER BY table_name LIMIT 21"), {"schema": schema}).scalars().all()  # fmt: skip
        there = (f"tables in {schema}: {', '.join(names[:20])}{', ...' if len(names) > 20 else ''}"
                 if names else f"the schema {schema!r} has no table you may read")  # fmt: skip
        raise InputError(Problem(source, f"the table was not found; {there}"))
    columns = conn.execute(sa.text(
        "SELECT attname, format_type(atttypid, NULL) FROM pg_catalog.pg_attribute "
        "WHERE attrelid = :oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum"),
        {"oid": found[0]}).all()  # fmt: skip
    keys = conn.execute(sa.text(
        "SELECT a.attname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a "
        "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = :oid AND i.indisprimary"), {"oid": found[0]}).scalars().all()  # fmt: skip
    quote_ = conn.dialect.identifier_preparer.quote
    spatial = [name for name, kind in columns if kind in ("geometry", "geography")]
    geom = next((c for c in ("geom", "geometry", "wkb_geometry", "the_geom") if c in spatial),
                spatial[0] if spatial else None)  # fmt: skip
    selected = []
    for name, kind in columns:
        if name == geom:
            # geography is read as geometry (EPSG:4326): what read_postgis decodes.
            cast = "::geometry" if kind == "geography" else ""
            selected.append(f"{quote_(name)}{cast} AS {quote_(name)}")
        elif kind not in ("geometry", "geography"):
            selected.append(quote_(name))
    if len(spatial) > 1:
        logger.info("%s: %d geometry columns; %s is read, the others are not", source,
                    len(spatial), geom)  # fmt: skip
    key = keys[0] if len(keys) == 1 else None
    order = f" ORDER BY {quote_(key)}" if key else ""
    sql = sa.text(f"SELECT {', '.join(selected)} FROM {quote_(schema)}.{quote_(table)}{order}")
    if geom is not None:
        frame = gpd.read_postgis(sql, conn, geom_col=geom)
    else:
        frame = pd.read_sql(sql, conn)
    if key is not None:
        labels = [f"feature {v}" for v in frame[key]]
    else:
        labels = [f"row {i + 1}" for i in range(len(frame))]
    frame.index = pd.Index(np.asarray(labels, dtype=object))
    frame.attrs["source"] = source
    return frame


# -- writing ------------------------------------------------------------------------------------


def _write_one(conn, name: str, frame: pd.DataFrame, schema: str) -> None:
    """One table into ``schema`` (a GeoDataFrame with its geometry, SRID and spatial index)."""
    frame = frame.copy(deep=False)
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            # to_sql has no categorical type; the values are what a reader wants.
            frame[column] = frame[column].astype(frame[column].cat.categories.dtype)
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame:
        frame.to_postgis(name, conn, schema=schema, if_exists="fail", index=False)
    else:
        pd.DataFrame(frame).to_sql(name, conn, schema=schema, if_exists="fail", index=False)


def write_tables(frames: Mapping[str, pd.DataFrame], url: str | DatabaseURL, *,
                 schema: str | None = None, replace: Iterable[str] = (),
                 lock_timeout_s: float = 60.0) -> DatabaseURL:  # fmt: skip
    """Write tables into a schema, replacing the previous ones as one transaction.

    Everything happens in one transaction (PostgreSQL's DDL is
    transactional): the tables are written into a fresh temporary schema;
    then the old tables of the same names are dropped from ``schema``, the
    new ones moved in (``ALTER TABLE ... SET SCHEMA``) and the temporary
    schema dropped.  Readers see the old tables until the commit and the new
    ones after it; a failure at any point (or a killed process) rolls all of
    it back, leaving the old tables and no temporary schema.  The old tables
    are locked only for the final swap, not while the new ones are written.

    Parameters
    ----------
    frames : mapping
        Table name -> DataFrame or GeoDataFrame (written with its geometry
        column, SRID and a spatial index).
    url : str or DatabaseURL
    schema : str, optional
        Default the URL's ``?schema=``, else :data:`DEFAULT_SCHEMA`; made
        when missing.
    replace : iterable of str
        Further tables this writer owns: dropped from ``schema`` too (a
        table an earlier run wrote that this one has not).  Other tables of
        the schema are left alone.
    lock_timeout_s : float
        How long the swap waits for readers of the old tables before failing.

    Returns
    -------
    DatabaseURL

    Raises
    ------
    InputError
        Bad URL, unreachable server, no permission, a view depending on an
        old table; the old tables are left as they were.
    MissingExtraError
        SQLAlchemy, GeoAlchemy2 or psycopg missing.
    """
    url = parse_url(url)
    schema = _check_identifier(schema or url.schema or DEFAULT_SCHEMA, str(url), "schema")
    for name in frames:
        _check_identifier(name, str(url), "table")
    staging = f"wz_tmp_{uuid.uuid4().hex[:12]}"
    sa = _sqlalchemy()
    engine = _engine(url)
    where = f"{url} schema {schema}"
    try:
        with engine.begin() as conn:
            q = conn.dialect.identifier_preparer.quote
            conn.execute(sa.text("SELECT set_config('lock_timeout', :ms, true)"),
                         {"ms": f"{int(lock_timeout_s * 1000)}ms"})  # fmt: skip
            conn.exec_driver_sql(f"CREATE SCHEMA {q(staging)}")
            for name, frame in frames.items():
                _write_one(conn, name, frame, staging)
                logger.debug("wrote %d rows to %s.%s", len(frame), staging, name)
            conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {q(schema)}")
            for name in dict.fromkeys([*frames, *replace]):
                # No CASCADE: a user's view on an old table makes the run fail, not vanish.
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {q(schema)}.{q(name)}")
            for name in frames:
                conn.exec_driver_sql(f"ALTER TABLE {q(staging)}.{q(name)} SET SCHEMA {q(schema)}")
            conn.exec_driver_sql(f"DROP SCHEMA {q(staging)}")
    except InputError:
        raise
    except Exception as exc:
        raise InputError(Problem(where, "cannot write the tables (the previous ones are kept): "
                                 f"{describe_error(exc, url)}")) from None  # fmt: skip
    finally:
        engine.dispose()
    logger.info("wrote %d tables to %s", len(frames), where)
    return url
