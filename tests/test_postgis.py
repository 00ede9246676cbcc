"""PostGIS: URLs and PG: strings, passwords masked, layers read from tables, results written.

The round trip runs against a real PostgreSQL + PostGIS server started for
the session from Debian's binaries (:mod:`postgis_fixture`; skipped with the
reason when they or the extra ``whitezone[postgis]`` are missing).
"""

from __future__ import annotations

import logging
import sys
import textwrap
import warnings
from urllib.parse import quote

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from postgis_fixture import PASSWORD, postgis_server

from whitezone import postgis, write_postgis
from whitezone.cli import main
from whitezone.errors import InputError, MissingExtraError
from whitezone.layers import read_sites
from whitezone.pipeline import run
from whitezone.postgis import DatabaseURL, parse_url, redact, split_table
from whitezone.project import project_from_dict, read_project

SECRET = "hunter2&more"

# -- URLs, PG: strings, masking (no server) ------------------------------------------------------


def test_url_parts_and_masking():
    url = parse_url(f"postgresql://planner:{quote(SECRET, safe='')}@gis.example.vn:5433/telecom"
                    "?schema=wz_2026&sslmode=require")  # fmt: skip
    assert (url.username, url.password, url.host, url.port, url.database, url.schema) == (
        "planner", SECRET, "gis.example.vn", 5433, "telecom", "wz_2026")  # fmt: skip
    assert url.query == (("sslmode", "require"),)
    assert str(url) == "postgresql://planner:***@gis.example.vn:5433/telecom?sslmode=require&schema=wz_2026"
    for shown in (str(url), repr(url), f"{url}", url.name, str([url])):
        assert SECRET not in shown and quote(SECRET, safe="") not in shown
    assert parse_url("postgres://gis/telecom") == DatabaseURL(database="telecom", host="gis")


def test_pg_strings_as_gdal_writes_them():
    url = parse_url(f"PG:dbname=telecom host=gis port=5433 user=planner password='{SECRET}' "
                    "schemas=inventory,public tables=bts sslmode=require")  # fmt: skip
    assert (url.database, url.host, url.port, url.username, url.password) == (
        "telecom", "gis", 5433, "planner", SECRET)  # fmt: skip
    assert (url.schema, url.table, url.query) == ("inventory", "bts", (("sslmode", "require"),))
    assert SECRET not in str(url)
    quoted = parse_url(r"PG: dbname = 'my db' password='it\'s' active_schema=wz")
    assert (quoted.database, quoted.password, quoted.schema) == ("my db", "it's", "wz")
    assert parse_url("PG:postgresql://u@h/d").database == "d"


@pytest.mark.parametrize("text, expected", [
    ("postgresql://u:pw@h", "no database named"),
    ("postgresql://u:pw@h:port/d", "port is not a number"),
    ("PG:host=h password=pw", "no database named"),
    ("PG:dbname=d password='pw", "no closing quote"),
    ("mysql://u:pw@h/d", "not a database URL"),
])  # fmt: skip
def test_bad_urls_are_named_with_the_password_masked(text, expected):
    with pytest.raises(InputError, match=expected) as err:
        parse_url(text)
    assert "pw" not in str(err.value).replace("password", "")


def test_redact_masks_urls_conninfo_and_given_secrets():
    text = (f"postgresql://u:{quote(SECRET, safe='')}@h/d and PG:dbname=d password='a b' "
            f"user=u; the server said {SECRET!r}")  # fmt: skip
    out = redact(text, SECRET)
    assert "postgresql://u:***@h/d" in out and "password=***" in out
    assert SECRET not in out and quote(SECRET, safe="") not in out and "a b" not in out


def test_table_names():
    assert split_table("inventory.bts") == ("inventory", "bts")
    assert split_table("bts") == ("public", "bts")
    assert split_table("bts", schema="wz") == ("wz", "bts")
    assert split_table('"my.schema"."BTS ""2026"""') == ("my.schema", 'BTS "2026"')
    for bad in ("a.b.c", ".bts", "inventory.", "x" * 64):
        with pytest.raises(InputError):
            split_table(bad)


def test_a_project_layer_may_be_a_database_not_relative_to_the_folder(tmp_path):
    url = f"postgresql://planner:{quote(SECRET, safe='')}@gis/telecom"
    layers = {"communes": "communes.gpkg", "villages": "villages.csv",
              "sites": {"path": url, "layer": "inventory.bts"}}  # fmt: skip
    project = project_from_dict({"layers": layers}, base_dir=tmp_path)
    path = project.layers["sites"].path
    assert isinstance(path, DatabaseURL) and path.database == "telecom"
    assert project.layers["villages"].path == tmp_path / "villages.csv"
    assert SECRET not in repr(project)
    bad = {**layers, "sites": "postgresql://planner:pw@gis:x/telecom", "dem": url}
    with pytest.raises(InputError) as err:
        project_from_dict({"layers": bad}, base_dir=tmp_path)
    text = str(err.value)
    assert "layers.sites.path" in text and "port" in text and ":pw@" not in text
    assert "dem is read from a file only" in text and SECRET not in text


def test_without_the_extra_the_message_names_the_install(monkeypatch, tiny, capsys):
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    with pytest.raises(MissingExtraError, match=r'pip install "whitezone\[postgis\]"'):
        postgis.read_table("postgresql://u@h/d", "bts")
    assert main(["run", str(tiny), "-q", "--to", "postgresql://u@h/d"]) == 2
    assert 'pip install "whitezone[postgis]"' in capsys.readouterr().err
    assert not (tiny.parent / "out").exists()  # refused before the run


# -- a real server ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def server():
    with postgis_server() as s:
        yield s


@pytest.fixture
def db(server):
    """A SQLAlchemy engine on the test database; schemas the test made are dropped after it."""
    import sqlalchemy as sa

    engine = sa.create_engine(server.url().replace("postgresql://", "postgresql+psycopg://"))
    yield engine
    with engine.begin() as conn:
        for (name,) in conn.execute(sa.text(
                "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('public', 'topology') "
                "AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'")):  # fmt: skip
            conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
        conn.exec_driver_sql("DROP TABLE IF EXISTS public.bts")
    engine.dispose()


def sites_table(tiny) -> gpd.GeoDataFrame:
    """The tiny sites CSV as a point table with a primary key, as an inventory would hold it."""
    csv = pd.read_csv(tiny.parent / "sites.csv", dtype=str)
    points = shapely.points(csv["lon"].astype(float), csv["lat"].astype(float))
    table = gpd.GeoDataFrame(csv.drop(columns=["lon", "lat"]), geometry=points, crs=4326)
    table["height_m"] = table["height_m"].astype(int)
    table.insert(0, "gid", range(1, len(table) + 1))
    return table.rename_geometry("geom")


def put_sites(db, tiny, table: str = "bts", schema: str = "inventory") -> None:
    with db.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        sites_table(tiny).to_postgis(table, conn, schema=schema)
        conn.exec_driver_sql(f"ALTER TABLE {schema}.{table} ADD PRIMARY KEY (gid)")


def quietly(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def test_sites_from_a_table_equal_sites_from_the_csv(server, db, tiny, caplog):
    caplog.set_level(logging.DEBUG)
    put_sites(db, tiny)
    with db.begin() as conn:  # the same sites as a plain table with lon/lat columns
        csv = pd.read_csv(tiny.parent / "sites.csv", dtype=str)
        csv.to_sql("sites_lonlat", conn, schema="inventory", index=False)
    from_csv = read_sites(tiny.parent / "sites.csv")
    pg = f"PG:host={server.host} port={server.port} dbname={server.database} user={server.user} password='{PASSWORD}'"
    for url, layer in [(server.url(), "inventory.bts"), (server.url(schema="inventory"), "bts"),
                       (pg, "inventory.bts"), (server.url(), "inventory.sites_lonlat")]:  # fmt: skip
        from_table = read_sites(url, layer=layer)
        pd.testing.assert_frame_equal(from_table.drop(columns="source_row"),
                                      from_csv.drop(columns="source_row"))  # fmt: skip
    assert list(read_sites(server.url(), layer="inventory.bts")["source_row"]) == [
        "feature 1", "feature 2", "feature 2", "feature 3"]  # fmt: skip
    assert PASSWORD not in caplog.text and quote(PASSWORD, safe="") not in caplog.text


def test_the_same_column_rules_apply_and_name_the_table(server, db, tiny):
    put_sites(db, tiny)
    with db.begin() as conn:
        conn.exec_driver_sql("UPDATE inventory.bts SET technology = '7G' WHERE gid = 2")
    with pytest.raises(InputError) as err:
        read_sites(server.url(), layer="inventory.bts")
    text = str(err.value)
    assert f"{server.user}:***@" in text and "[inventory.bts], feature 2, column 'technology'" in text
    assert PASSWORD not in text


def test_an_unknown_table_lists_those_there(server, db, tiny):
    put_sites(db, tiny)
    with pytest.raises(InputError, match=r"\[inventory.bst\]: the table was not found; tables in "
                       r"inventory: bts") as err:  # fmt: skip
        read_sites(server.url(), layer="inventory.bst")
    assert PASSWORD not in str(err.value)


def project_with_db_sites(tiny, server) -> None:
    text = tiny.read_text(encoding="utf-8").replace(
        'sites = "sites.csv"', f'sites = {{ path = "{server.url()}", layer = "inventory.bts" }}')
    tiny.write_text(text, encoding="utf-8")


def table_rows(db, schema: str) -> dict[str, int]:
    with db.connect() as conn:
        names = conn.exec_driver_sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %(s)s",
            {"s": schema}).scalars().all()  # fmt: skip
        return {n: conn.exec_driver_sql(f'SELECT count(*) FROM "{schema}"."{n}"').scalar()
                for n in names}  # fmt: skip


def test_run_reads_sites_from_a_table_and_writes_its_tables(server, db, tiny, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    put_sites(db, tiny)
    project_with_db_sites(tiny, server)
    assert quietly(main, ["run", str(tiny), "--to", server.url(schema="wz_2026")]) == 0
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err + caplog.text
    assert "tables in postgresql://wz_admin:***@" in out.out
    folder = tiny.parent / "out"
    expected = {
        "villages": len(pd.read_csv(folder / "villages.csv")),
        "communes": len(gpd.read_file(folder / "communes.gpkg", layer="communes")),
        **{f"summary_{s}": len(pd.read_csv(folder / f"summary_{s}.csv"))
           for s in ("communes", "districts", "province")},
    }  # fmt: skip
    assert table_rows(db, "wz_2026") == expected
    # The report names the table, password masked.
    assert "inventory" in (folder / "report.html").read_text(encoding="utf-8")
    assert PASSWORD not in (folder / "report.html").read_text(encoding="utf-8")
    villages = gpd.read_postgis('SELECT * FROM wz_2026.villages', db, geom_col="geometry")
    files = gpd.read_file(folder / "villages.gpkg", layer="villages")
    assert villages.crs == files.crs and list(villages.columns) == list(files.columns)
    assert villages["village_id"].tolist() == files["village_id"].tolist()


def test_a_write_failing_halfway_leaves_the_previous_tables(server, db, tiny, monkeypatch):
    result = quietly(run, read_project(tiny), write=False)
    url = server.url(schema="wz_2026")
    first = write_postgis(result, url)
    assert table_rows(db, "wz_2026") == first and first["villages"] == 6
    with db.begin() as conn:  # a mark the second write would wipe
        conn.exec_driver_sql("UPDATE wz_2026.villages SET village = 'first run'")
    written = []
    real = postgis._write_one

    def fail_on_the_second(conn, name, frame, schema):
        if written:
            raise RuntimeError(f"disk full while writing {name}")
        real(conn, name, frame, schema)
        written.append(name)

    monkeypatch.setattr(postgis, "_write_one", fail_on_the_second)
    with pytest.raises(InputError, match=r"previous ones are kept\): disk full while writing communes"):
        write_postgis(result, url)
    assert written == ["villages"]
    assert table_rows(db, "wz_2026") == first
    with db.connect() as conn:
        marks = conn.exec_driver_sql("SELECT DISTINCT village FROM wz_2026.villages").scalars().all()
        left = conn.exec_driver_sql("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'wz_tmp%%'").all()
    assert marks == ["first run"] and left == []
    monkeypatch.undo()
    write_postgis(result, url)  # and a good write replaces them
    with db.connect() as conn:
        assert "first run" not in conn.exec_driver_sql("SELECT village FROM wz_2026.villages").scalars().all()


def test_other_tables_of_the_schema_are_left_and_inputs_protected(server, db, tiny):
    put_sites(db, tiny, table="villages", schema="wz")  # an input named like an output
    project_with_db_sites(tiny, server)
    text = tiny.read_text(encoding="utf-8").replace('layer = "inventory.bts"', 'layer = "wz.villages"')
    tiny.write_text(text, encoding="utf-8")
    result = quietly(run, read_project(tiny), write=False)
    with pytest.raises(InputError, match=r"sites layer is read from wz.villages, which the run"):
        write_postgis(result, server.url(), schema="wz")
    put_sites(db, tiny, table="bts", schema="wz")
    write_postgis(result, server.url(), schema="other")
    write_postgis(result, server.url(schema="wz_keep"))
    with db.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE wz_keep.notes (t text)")
    write_postgis(result, server.url(schema="wz_keep"))
    assert "notes" in table_rows(db, "wz_keep") and "bts" in table_rows(db, "wz")


def test_a_wrong_password_is_one_line_with_the_password_masked(server, tiny, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "Wr0ng&pass word"
    status = main(["run", str(tiny), "-q", "--to", server.url(password=wrong, schema="wz")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"error: postgresql://{server.user}:***@127.0.0.1:{server.port}/")
    assert "password authentication failed" in err and err.count("\n") == 1
    for secret in (wrong, quote(wrong, safe="")):
        assert secret not in err and secret not in caplog.text
    assert not (tiny.parent / "out").exists()  # refused before the run


def test_an_unreachable_server_is_one_line(tiny, capsys):
    pytest.importorskip("psycopg")
    pytest.importorskip("sqlalchemy")
    pytest.importorskip("geoalchemy2")
    status = main(["run", str(tiny), "-q", "--to", f"postgresql://u:{quote(SECRET, safe='')}"
                   "@127.0.0.1:1/d?connect_timeout=2"])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2 and "cannot connect" in err and SECRET not in err
    assert quote(SECRET, safe="") not in err and err.count("\n") == 1


def test_reading_a_table_without_rows_says_so(server, db):
    with db.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA empty; CREATE TABLE empty.bts (site_id text)")
    with pytest.raises(InputError, match=r"\[empty.bts\]: the sites table is empty"):
        read_sites(server.url(), layer="empty.bts")


def test_project_file_in_toml(tmp_path):
    text = textwrap.dedent("""
        [layers]
        communes = "communes.gpkg"
        villages = "villages.csv"
        sites = { path = "PG:dbname=telecom host=gis user=planner", layer = "inventory.bts" }
    """)
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    assert read_project(tmp_path / "p.toml").layers["sites"].path.database == "telecom"
