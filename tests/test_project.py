"""The project file: every validation rule of read_project, with its message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from whitezone import InputError, read_project
from whitezone.project import DEFAULT_RADIUS_KM, LayerSource

LAYERS = """
[layers]
communes = "communes.gpkg"
villages = "villages.csv"
sites = "sites.csv"
"""


def write_project(tmp_path: Path, text: str, *, layers: bool = True) -> Path:
    path = tmp_path / "project.toml"
    body = textwrap.dedent(text)
    if layers:  # top-level keys first: after [layers] they would belong to it
        body = body + "\n" + textwrap.dedent(LAYERS)
    path.write_text(body, encoding="utf-8")
    return path


def problems_of(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        read_project(path)
    return info.value


def test_minimal_project_defaults(tmp_path):
    project = read_project(write_project(tmp_path, ""))
    assert project.lang == "vi"
    assert project.model.kind == "radius"
    assert dict(project.model.radius_km) == dict(DEFAULT_RADIUS_KM)
    assert project.crs is None
    assert project.snap_km == 2.0
    assert project.broadband_reach_km == 2.0
    assert project.post_max_distance_km is None
    assert project.path == (tmp_path / "project.toml").resolve()
    assert project.output == (tmp_path / "output").resolve()
    assert set(project.layers) == {"communes", "villages", "sites"}


def test_tiny_project_reads(tiny):
    project = read_project(tiny)
    assert project.name == "Tiny province"
    assert project.lang == "en"
    assert project.crs == "EPSG:32648"
    assert project.model.radius_km["2G"] == (6.0, 12.0)
    assert project.model.radius_km["4G"] == (2.5, 5.0)
    # technologies not named keep their defaults
    assert project.model.radius_km["3G"] == DEFAULT_RADIUS_KM["3G"]
    assert set(project.layers) == {"communes", "villages", "sites", "post_offices", "fiber"}


def test_missing_project_file(tmp_path):
    path = tmp_path / "nope.toml"
    err = problems_of(path)
    assert str(err) == f"{path}: project file not found"


def test_bad_toml_names_the_line(tmp_path):
    path = tmp_path / "project.toml"
    path.write_text('name = "x"\noutput = "out"\nlang = "vi\n', encoding="utf-8")
    err = problems_of(path)
    text = str(err)
    assert text.startswith(f"{path}: not valid TOML")
    assert "line 3" in text


def test_not_utf8_project(tmp_path):
    path = tmp_path / "project.toml"
    path.write_bytes('name = "Tỉnh"\n'.encode("utf-16"))
    err = problems_of(path)
    assert "not UTF-8 text" in str(err)


def test_bom_in_project_file_is_accepted(tmp_path):
    path = write_project(tmp_path, 'name = "Tỉnh Một"\n')
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert read_project(path).name == "Tỉnh Một"


def test_unknown_top_level_key_suggests(tmp_path):
    err = problems_of(write_project(tmp_path, 'outptu = "maps"\n'))
    assert len(err.problems) == 1
    p = err.problems[0]
    assert p.column == "outptu"
    assert "unknown setting 'outptu' (did you mean 'output'?)" in p.message
    assert "allowed: name, output, crs, lang, layers" in p.message
    assert str(tmp_path / "project.toml") in str(err)


def test_unknown_layer_name_suggests(tmp_path):
    text = """
    [layers]
    communes = "c.gpkg"
    villages = "v.csv"
    sites = "s.csv"
    post_ofices = "p.csv"
    """
    err = problems_of(write_project(tmp_path, text, layers=False))
    [p] = err.problems
    assert p.column == "layers.post_ofices"
    assert "unknown layer 'post_ofices' (did you mean 'post_offices'?)" in p.message


def test_unknown_layer_in_columns_section(tmp_path):
    err = problems_of(write_project(tmp_path, '[columns.vilages]\nvillage_id = "Mã thôn"\n'))
    [p] = err.problems
    assert p.column == "columns.vilages"
    assert "did you mean 'villages'?" in p.message


def test_unknown_layer_setting_suggests(tmp_path):
    text = """
    [layers]
    communes = "c.gpkg"
    villages = { path = "v.xlsx", shet = "Thôn" }
    sites = "s.csv"
    """
    err = problems_of(write_project(tmp_path, text, layers=False))
    [p] = err.problems
    assert p.column == "layers.villages.shet"
    assert "unknown setting 'shet' (did you mean 'sheet'?)" in p.message


def test_layer_table_without_path(tmp_path):
    text = """
    [layers]
    communes = "c.gpkg"
    villages = { sheet = "Thôn" }
    sites = "s.csv"
    """
    err = problems_of(write_project(tmp_path, text, layers=False))
    [p] = err.problems
    assert p.column == "layers.villages"
    assert 'expected a file name or a table with path = "..."' in p.message


@pytest.mark.parametrize("missing", ["communes", "villages", "sites"])
def test_missing_required_layer(tmp_path, missing):
    lines = {
        "communes": 'communes = "c.gpkg"',
        "villages": 'villages = "v.csv"',
        "sites": 'sites = "s.csv"',
    }
    body = "[layers]\n" + "\n".join(v for k, v in lines.items() if k != missing) + "\n"
    err = problems_of(write_project(tmp_path, body, layers=False))
    [p] = err.problems
    assert p.column == "layers"
    assert p.message == (
        f'the required layer {missing!r} is missing; add {missing} = "file" under [layers]'
    )


def test_no_layers_at_all_lists_every_required_layer(tmp_path):
    err = problems_of(write_project(tmp_path, 'name = "x"\n', layers=False))
    messages = [p.message for p in err.problems]
    assert len(messages) == 3
    assert str(err).startswith("3 problems in the input:")
    for name in ("communes", "villages", "sites"):
        assert any(f"required layer {name!r} is missing" in m for m in messages)


def test_radius_weak_smaller_than_good(tmp_path):
    err = problems_of(write_project(tmp_path, '[model.radius]\n"4G" = [5.0, 2.0]\n'))
    [p] = err.problems
    assert p.column == "model.radius.4G"
    assert "weak radius 2 km is smaller than good radius 5 km" in p.message
    assert "[good_km, weak_km] with weak >= good, e.g. [2, 5]" in p.message


def test_radius_not_a_number(tmp_path):
    err = problems_of(write_project(tmp_path, '[model.radius]\n"3G" = ["two", 4.0]\n'))
    [p] = err.problems
    assert p.column == "model.radius.3G"
    assert p.message == "expected a number, got 'two'"


def test_radius_negative_and_zero(tmp_path):
    err = problems_of(write_project(tmp_path, '[model.radius]\n"3G" = [0, -4.0]\n'))
    messages = sorted(p.message for p in err.problems)
    assert messages == ["expected a positive number, got -4.0", "expected a positive number, got 0"]


def test_radius_not_a_pair(tmp_path):
    err = problems_of(write_project(tmp_path, '[model.radius]\n"3G" = [1.0, 2.0, 3.0]\n'))
    [p] = err.problems
    assert "expected [good_km, weak_km], two numbers, got [1.0, 2.0, 3.0]" in p.message


def test_radius_unknown_technology(tmp_path):
    err = problems_of(write_project(tmp_path, '[model.radius]\n"6G" = [1.0, 2.0]\n'))
    [p] = err.problems
    assert p.column == "model.radius.6G"
    assert p.message == "unknown technology '6G'; expected one of 2G, 3G, 4G, 5G"


def test_radius_standard_names_are_normalised(tmp_path):
    text = "[model.radius]\nLTE = [1.5, 3.0]\nGSM = [7.0, 14.0]\n"
    project = read_project(write_project(tmp_path, text))
    assert project.model.radius_km["4G"] == (1.5, 3.0)
    assert project.model.radius_km["2G"] == (7.0, 14.0)


def test_radius_equal_good_and_weak_is_allowed(tmp_path):
    project = read_project(write_project(tmp_path, '[model.radius]\n"5G" = [1, 1]\n'))
    assert project.model.radius_km["5G"] == (1.0, 1.0)


def test_unknown_model_kind(tmp_path):
    err = problems_of(write_project(tmp_path, '[model]\nkind = "hata"\n'))
    [p] = err.problems
    assert p.column == "model.kind"
    assert p.message == "unknown kind 'hata'; expected one of radius, pathloss, terrain, itm"


def test_unknown_model_setting(tmp_path):
    err = problems_of(write_project(tmp_path, '[model]\nkinds = "radius"\n'))
    [p] = err.problems
    assert p.column == "model.kinds"
    assert "did you mean 'kind'?" in p.message


@pytest.mark.parametrize("lang", ["fr", "VI", ""])
def test_bad_lang(tmp_path, lang):
    err = problems_of(write_project(tmp_path, f'lang = "{lang}"\n'))
    [p] = err.problems
    assert p.column == "lang"
    assert p.message == f"unknown language {lang!r}; expected 'vi' or 'en'"


def test_english_lang(tmp_path):
    assert read_project(write_project(tmp_path, 'lang = "en"\n')).lang == "en"


def test_relative_paths_resolve_against_project_folder(tmp_path, monkeypatch):
    folder = tmp_path / "projects" / "p1"
    folder.mkdir(parents=True)
    text = """
    output = "../../maps/p1"
    [layers]
    communes = "data/communes.gpkg"
    villages = "../shared/villages.csv"
    sites = "sites.csv"
    """
    write_project(folder, text, layers=False)
    # Run from elsewhere: paths must not depend on the working directory.
    monkeypatch.chdir(tmp_path)
    project = read_project(Path("projects") / "p1" / "project.toml")
    assert project.layers["communes"].path == (folder / "data" / "communes.gpkg").resolve()
    assert (
        project.layers["villages"].path
        == (tmp_path / "projects" / "shared" / "villages.csv").resolve()
    )
    assert project.layers["sites"].path == (folder / "sites.csv").resolve()
    assert project.output == (tmp_path / "maps" / "p1").resolve()
    assert project.path == (folder / "project.toml").resolve()


def test_absolute_path_kept(tmp_path):
    elsewhere = tmp_path / "elsewhere" / "communes.gpkg"
    text = f"""
    [layers]
    communes = '{elsewhere}'
    villages = "v.csv"
    sites = "s.csv"
    """
    folder = tmp_path / "p"
    folder.mkdir()
    project = read_project(write_project(folder, text, layers=False))
    assert project.layers["communes"].path == elsewhere.resolve()


def test_columns_mapping_reaches_layer_source(tmp_path):
    text = """
    [layers]
    communes = "c.gpkg"
    villages = { path = "v.xlsx", sheet = "Thôn" }
    sites = { path = "s.gpkg", layer = "bts", crs = "EPSG:9210" }

    [columns.villages]
    village_id = "Mã thôn"
    population = "Số dân 2024"
    """
    project = read_project(write_project(tmp_path, text, layers=False))
    villages = project.layers["villages"]
    assert isinstance(villages, LayerSource)
    assert villages.name == "villages"
    assert villages.columns == {"village_id": "Mã thôn", "population": "Số dân 2024"}
    assert villages.sheet == "Thôn"
    sites = project.layers["sites"]
    assert sites.columns == {}
    assert sites.layer == "bts"
    assert sites.crs == "EPSG:9210"


def test_columns_mapping_must_be_strings(tmp_path):
    err = problems_of(write_project(tmp_path, "[columns.villages]\nvillage_id = 3\n"))
    [p] = err.problems
    assert p.column == "columns.villages"
    assert 'expected canonical_name = "column in your file" pairs' in p.message


def test_opencellid_sites_with_mcc_list(tmp_path):
    text = """
    [layers]
    communes = "c.gpkg"
    villages = "v.csv"
    sites = { path = "cells.csv.gz", format = "opencellid", mcc = [452, 457] }
    """
    project = read_project(write_project(tmp_path, text, layers=False))
    sites = project.layers["sites"]
    assert sites.format == "opencellid"
    assert sites.mcc == (452, 457)


def test_single_mcc_becomes_tuple(tmp_path):
    text = """
    [layers]
    communes = "c.gpkg"
    villages = "v.csv"
    sites = { path = "cells.csv", format = "opencellid", mcc = 452 }
    """
    assert read_project(write_project(tmp_path, text, layers=False)).layers["sites"].mcc == (452,)


def test_bad_mcc(tmp_path):
    text = """
    [layers]
    communes = "c.gpkg"
    villages = "v.csv"
    sites = { path = "cells.csv", format = "opencellid", mcc = ["VN"] }
    """
    err = problems_of(write_project(tmp_path, text, layers=False))
    [p] = err.problems
    assert p.column == "layers.sites.mcc"
    assert p.message == "expected a mobile country code or a list of them, got ['VN']"


def test_formats_only_where_a_layer_has_them(tmp_path):
    text = """
    [layers]
    communes = "c.gpkg"
    villages = { path = "v.csv", format = "opencellid" }
    sites = { path = "s.csv", format = "kml" }
    """
    err = problems_of(write_project(tmp_path, text, layers=False))
    columns = sorted(p.column for p in err.problems)
    assert columns == ["layers.sites.format", "layers.villages.format"]
    assert all("sites accept format = 'opencellid'" in p.message for p in err.problems)
    assert all("measurements accept format = 'opencellid-measurements'" in p.message
               for p in err.problems)  # fmt: skip


def test_settings_sections(tmp_path):
    text = """
    crs = "EPSG:9210"
    [postal]
    max_distance_km = 5
    [broadband]
    reach_km = 1.5
    [validation]
    snap_km = 0
    """
    project = read_project(write_project(tmp_path, text))
    assert project.crs == "EPSG:9210"
    assert project.post_max_distance_km == 5.0
    assert project.broadband_reach_km == 1.5
    assert project.snap_km == 0.0


def test_bad_settings_are_all_listed_together(tmp_path):
    text = """
    lang = "de"
    crs = 4.5
    output = 3
    [postal]
    max_distance_km = "far"
    [validation]
    snap_kms = 1
    [model]
    kind = "longley"
    """
    err = problems_of(write_project(tmp_path, text))
    columns = sorted(p.column for p in err.problems)
    assert columns == [
        "crs",
        "lang",
        "model.kind",
        "output",
        "postal.max_distance_km",
        "validation.snap_kms",
    ]
    text = str(err)
    assert text.startswith("6 problems in the input:")
    assert "expected a CRS such as 'EPSG:9210', got 4.5" in text
    assert "expected a folder name, got 3" in text
    assert "expected a number, got 'far'" in text
    assert "did you mean 'snap_km'?" in text


def test_postal_distance_must_be_positive(tmp_path):
    err = problems_of(write_project(tmp_path, "[postal]\nmax_distance_km = 0\n"))
    [p] = err.problems
    assert p.column == "postal.max_distance_km"
    assert p.message == "expected a positive number, got 0"


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("[broadband]\nreach_km = -1\n", "broadband.reach_km", "-1"),
        ("[validation]\nsnap_km = -2\n", "validation.snap_km", "-2"),
    ],
)
def test_negative_distances_refused(tmp_path, text, key, value):
    err = problems_of(write_project(tmp_path, text))
    [p] = err.problems
    assert p.column == key
    assert value in p.message


def test_with_output(tmp_path):
    project = read_project(write_project(tmp_path, ""))
    other = project.with_output(tmp_path / "elsewhere")
    assert other.output == tmp_path / "elsewhere"
    assert other.layers == project.layers
