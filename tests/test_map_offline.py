"""Self-contained maps (whitezone.maps.offline): no browser, just the page text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import folium
import pytest
from branca.colormap import LinearColormap
from folium import plugins

from whitezone.maps.offline import (
    ASSETS,
    ASSETS_DIR,
    Asset,
    MissingAssetError,
    external_urls,
    make_self_contained,
    save_map,
)

COMMUNES = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"commune": "Xã &lt;b&gt;Một", "pct_none": 40.0},
         "geometry": {"type": "Polygon", "coordinates": [[[105.0, 21.0], [105.1, 21.0],
                                                          [105.1, 21.1], [105.0, 21.0]]]}},
        {"type": "Feature", "properties": {"commune": "Xã Hai", "pct_none": 0.0},
         "geometry": {"type": "Point", "coordinates": [105.2, 21.05]}},
    ],
}  # fmt: skip


def whitezone_like_map() -> folium.Map:
    """A map with every plugin and element whitezone maps use."""
    fmap = folium.Map(location=[21.05, 105.1], zoom_start=11, control_scale=True)
    folium.GeoJson(
        COMMUNES, name="Communes",
        style_function=lambda f: {"fillColor": "#d7191c", "weight": 1},
        tooltip=folium.GeoJsonTooltip(fields=["commune", "pct_none"]),
        popup=folium.GeoJsonPopup(fields=["commune", "pct_none"]),
    ).add_to(fmap)  # fmt: skip
    cluster = plugins.MarkerCluster(name="Sites").add_to(fmap)
    for i in range(5):
        folium.Marker([21.0 + i / 100, 105.0], popup=folium.Popup(f"site {i}")).add_to(cluster)
    folium.CircleMarker([21.02, 105.03], radius=4, tooltip="village").add_to(fmap)
    LinearColormap(["#fff5f0", "#67000d"], vmin=0, vmax=100, caption="% none").add_to(fmap)
    plugins.Fullscreen(position="topleft").add_to(fmap)
    plugins.MiniMap().add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(
        '<div style="position:fixed;bottom:24px;left:12px;z-index:1000;background:white">'
        "<b>Legend</b><div>no signal</div></div>"))  # fmt: skip
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def _blocks(page: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}\b[^>]*data-whitezone-asset=\"([^\"]+)\"", page)


@pytest.fixture(scope="module")
def original() -> str:
    return whitezone_like_map().get_root().render()


@pytest.fixture(scope="module")
def page(original) -> str:
    return make_self_contained(original)


def test_folium_page_loads_from_cdns(original):
    # The premise: without make_self_contained the page needs the internet.
    urls = external_urls(original)
    assert any("leaflet" in u and u.endswith("leaflet.js") for u in urls)
    assert any("markercluster" in u for u in urls)


def test_no_external_script_or_stylesheet_is_left(page):
    assert external_urls(page) == []
    assert not re.search(r"<script[^>]*\bsrc=", page, re.I)
    assert not re.search(r"<link\b[^>]*\bhref=\"(?:https?:)?//", page, re.I)
    # Only the basemap tile template still points at the internet.
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in page


def test_vendored_code_is_inlined_in_order(page):
    scripts = _blocks(page, "script")
    assert scripts[0] == "leaflet@1.9.3/leaflet.js"  # Leaflet before every plugin
    assert {"jquery@3.7.1/jquery.min.js", "d3@3.5.5/d3.min.js",
            "leaflet.markercluster@1.5.3/leaflet.markercluster.js",
            "leaflet.fullscreen@3.0.0/Control.FullScreen.js",
            "leaflet-minimap@3.6.1/Control.MiniMap.min.js"} <= set(scripts)  # fmt: skip
    assert len(scripts) == len(set(scripts))
    assert {"leaflet@1.9.3/leaflet.css", "leaflet.markercluster@1.5.3/MarkerCluster.css",
            "leaflet.markercluster@1.5.3/MarkerCluster.Default.css",
            "leaflet.fullscreen@3.0.0/Control.FullScreen.css"} <= set(_blocks(page, "style"))  # fmt: skip
    leaflet = (ASSETS_DIR / "leaflet" / "leaflet.js").read_text(encoding="utf-8")
    assert max(leaflet.splitlines(), key=len)[:200] in page  # the library, not a link to it
    assert 't.version="1.9.3"' in page


def test_css_images_become_data_uris(page):
    assert "url(images/" not in page and "icon-fullscreen.svg" not in page
    assert 'url("data:image/png;base64,' in page  # Leaflet's layers.png, marker icon
    assert 'url("data:image/svg+xml;base64,' in page  # the fullscreen button
    # Leaflet cannot find its marker images from an inlined stylesheet: set explicitly.
    assert re.search(r'L\.Icon\.Default\.mergeOptions\(\{iconUrl: "data:image/png;base64,', page)


def test_unused_assets_are_dropped_with_a_comment(page):
    assert "bootstrap" not in " ".join(_blocks(page, "script") + _blocks(page, "style"))
    for name in ("bootstrap.css", "bootstrap.bundle.js", "all.css", "leaflet.awesome-markers.js"):
        assert re.search(rf"<!-- whitezone offline: dropped \S+ {re.escape(name)}: not used", page)


def test_jquery_only_when_the_page_uses_it():
    fmap = folium.Map(location=[21.0, 105.0], zoom_start=9)
    folium.CircleMarker([21.0, 105.0], tooltip="v").add_to(fmap)
    plain = make_self_contained(fmap.get_root().render())
    assert "jquery" not in " ".join(_blocks(plain, "script"))
    assert "dropped jquery jquery.js" in plain
    folium.Marker([21.0, 105.0], popup=folium.Popup("<b>p</b>")).add_to(fmap)  # uses $(`...`)
    assert "jquery@3.7.1/jquery.min.js" in _blocks(make_self_contained(fmap.get_root().render()),
                                                   "script")  # fmt: skip


class _Elements(HTMLParser):
    """script/style elements as a browser's tokenizer splits them (raw text up to ``</tag``)."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.elements: list[tuple[str, dict, str]] = []
        self._open: tuple[str, dict] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._open = (tag, dict(attrs))
            self.elements.append((tag, dict(attrs), ""))

    def handle_data(self, data):
        if self._open is not None:
            tag, attrs, text = self.elements[-1]
            self.elements[-1] = (tag, attrs, text + data)

    def handle_endtag(self, tag):
        if self._open is not None and tag == self._open[0]:
            self._open = None


def _elements(page: str) -> list[tuple[str, dict, str]]:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser.elements


def test_each_inlined_library_stays_in_its_own_element(page):
    # jQuery's code holds "<script>" strings: the element must still end where the library does.
    blocks = {attrs["data-whitezone-asset"]: text for tag, attrs, text in _elements(page)
              if "data-whitezone-asset" in attrs}  # fmt: skip
    jquery = (ASSETS_DIR / "jquery" / "jquery.min.js").read_text(encoding="utf-8")
    body = max(jquery.splitlines(), key=len)
    assert "<script" in body and body in blocks["jquery@3.7.1/jquery.min.js"]
    leaflet = (ASSETS_DIR / "leaflet" / "leaflet.js").read_text(encoding="utf-8")
    assert max(leaflet.splitlines(), key=len) in blocks["leaflet@1.9.3/leaflet.js"]


def _fake_catalogue(tmp_path: Path, code: str, css: str = "") -> list[Asset]:
    folder = tmp_path / "assets" / "fakelib"
    folder.mkdir(parents=True)
    (folder / "fakelib.js").write_text(code, encoding="utf-8")
    (folder / "fakelib.css").write_text(css, encoding="utf-8")
    (folder / "dot.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    return [Asset("fakelib", "fakelib.js", "fakelib/fakelib.js", version="1.0"),
            Asset("fakelib", "fakelib.css", "fakelib/fakelib.css", version="1.0")]  # fmt: skip


def test_script_end_tag_inside_an_asset_is_escaped(tmp_path):
    code = 'var s = "</script><script>window.__bad = 1</script>"; // <!-- </SCRIPT >\n'
    css = '.a::after { content: "</style><script>x</script>"; background: url(dot.png); }'
    catalogue = _fake_catalogue(tmp_path, code, css)
    html = ('<html><head><script src="https://cdn.example.org/npm/fakelib@0.9/dist/fakelib.min.js">'
            '</script><link rel="stylesheet" href="//cdn.example.org/fakelib/0.9/fakelib.css"/>'
            "</head><body></body></html>")  # fmt: skip
    out = make_self_contained(html, assets=catalogue, folder=tmp_path / "assets")
    elements = _elements(out)
    assert [(tag, attrs.get("data-whitezone-asset")) for tag, attrs, _ in elements] == [
        ("script", "fakelib@1.0/fakelib.js"), ("style", "fakelib@1.0/fakelib.css")]  # fmt: skip
    script, style = elements[0][2], elements[1][2]
    # The whole library is in its one element, the end tags escaped the way JS reads them.
    assert r'var s = "<\/script><script>window.__bad = 1<\/script>"; // \x3C!-- <\/SCRIPT >' in script
    assert r'content: "<\/style><script>x</script>"' in style
    assert 'url("data:image/png;base64,' in style
    assert external_urls(out) == []


def test_needed_asset_that_is_not_vendored_raises():
    fmap = folium.Map(location=[21.0, 105.0], zoom_start=9)
    folium.Marker([21.0, 105.0], icon=folium.Icon(color="red", icon="info-sign")).add_to(fmap)
    with pytest.raises(MissingAssetError, match=r"(?s)awesome-markers.*folium\.Icon"):
        make_self_contained(fmap.get_root().render())


def test_unknown_asset_raises_naming_it():
    html = ('<html><head><script src="https://cdn.example.org/npm/leaflet-unknown@2.0/x.min.js">'
            '</script></head><body></body></html>')  # fmt: skip
    with pytest.raises(MissingAssetError, match=r"leaflet-unknown@2\.0/x\.min\.js"):
        make_self_contained(html)
    with pytest.raises(MissingAssetError, match="not a stylesheet"):
        make_self_contained('<link rel="icon" href="https://example.org/favicon.ico">')


@pytest.mark.parametrize("url", [
    "https://unpkg.com/leaflet@1.9.4/dist/leaflet.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet/1.9.3/leaflet.min.js",
    "//cdn.jsdelivr.net/npm/leaflet/dist/leaflet.js",
])  # fmt: skip
def test_assets_are_matched_whatever_the_cdn_and_version(url):
    out = make_self_contained(f'<script src="{url}"></script>')
    assert _blocks(out, "script") == ["leaflet@1.9.3/leaflet.js"]


def test_external_urls_ignores_tiles_links_and_comments_but_not_images():
    html = ('<!-- https://example.org/in-a-comment.js --><a href="https://example.org/about">a</a>'
            '<img src="https://example.org/logo.png"><div style="background:url(//cdn.x.org/b.png)">'
            '<script>L.tileLayer("https://{s}.tile.example.org/{z}/{x}/{y}.png",'
            ' {"attribution": "\\u003ca href=\\"https://example.org/copyright\\"\\u003e"});'
            ' fetch("https://api.example.org/data.json");</script>')  # fmt: skip
    assert external_urls(html) == ["https://example.org/logo.png", "//cdn.x.org/b.png",
                                   "https://api.example.org/data.json"]  # fmt: skip


def test_save_map_writes_the_page(tmp_path):
    fmap = whitezone_like_map()
    offline = save_map(fmap, tmp_path / "out" / "map.html", self_contained=True)
    online = save_map(fmap, tmp_path / "cdn.html", self_contained=False)
    assert offline == tmp_path / "out" / "map.html"
    assert external_urls(offline.read_text(encoding="utf-8")) == []
    assert any("leaflet" in u for u in external_urls(online.read_text(encoding="utf-8")))
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["map.html"]  # no temp file left


def test_vendored_files_are_shipped_with_licences_and_listed():
    readme = (ASSETS_DIR / "README.md").read_text(encoding="utf-8")
    for asset in ASSETS:
        if asset.path is None:
            continue
        path = ASSETS_DIR / asset.path
        assert path.is_file(), asset.path
        assert asset.path in readme and asset.version in readme and asset.license in readme
        assert any(p.name.upper().startswith(("LICENSE", "MIT-LICEN")) for p in path.parent.iterdir())
    files = [p for p in ASSETS_DIR.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 600_000
    for path in files:
        if path.name != "README.md" and not path.name.upper().startswith(("LICENSE", "MIT-LICEN")):
            assert path.relative_to(ASSETS_DIR).as_posix() in readme, path
