"""Self-contained maps: the page's JavaScript and CSS inlined, nothing fetched from a CDN.

A Folium page loads Leaflet, jQuery, Bootstrap, Font Awesome and its plugins
from public CDNs.  Government networks often block those hosts and maps are
e-mailed, so :func:`make_self_contained` replaces every ``<script src=...>``
and ``<link rel="stylesheet" href=...>`` Folium emitted with an inline block
holding the copy vendored under ``whitezone/maps/assets`` (images the CSS
refers to become ``data:`` URIs).  Only basemap tiles still need the internet;
every data layer, popup, tooltip, legend and control works offline.

Assets are matched by package and file name whatever CDN host, version or
``.min`` suffix Folium used.  Each known asset is one of:

* vendored and used by the page: inlined;
* not used by the page (Bootstrap's styling, Font Awesome when no icon asks
  for it, ...): dropped, with an HTML comment and a log record saying so;
* used by the page but not vendored (an awesome-marker icon, an unknown
  plugin): :class:`MissingAssetError`, never a silent network reference.

``assets/README.md`` lists the vendored files, their packages, versions and
licences.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from ..errors import WhitezoneError
from ..files import write_text

if TYPE_CHECKING:  # pragma: no cover
    import folium

__all__ = [
    "ASSETS",
    "ASSETS_DIR",
    "ASSET_ATTRIBUTE",
    "Asset",
    "MissingAssetError",
    "external_urls",
    "make_self_contained",
    "save_map",
]

logger = logging.getLogger(__name__)

#: Folder of the vendored files (shipped in the wheel as package data).
ASSETS_DIR = Path(__file__).with_name("assets")


class MissingAssetError(WhitezoneError, RuntimeError):
    """The page needs a script or stylesheet that is not vendored, so it cannot work offline."""


@dataclass(frozen=True)
class Asset:
    """One script or stylesheet a Folium page may reference.

    Parameters
    ----------
    package : str
        npm / CDN package name, lower case (``"leaflet.markercluster"``).
    name : str
        File name, lower case, without ``.min`` or a version
        (``"markercluster.default.css"``).
    path : str or None
        The vendored file, relative to :data:`ASSETS_DIR`; None when not vendored.
    version, license, copyright : str
        Of the vendored file; written in the comment heading the inline block.
    needed : callable, optional
        ``needed(page)`` tells whether a page (its HTML and inline scripts,
        without the CDN tags) uses the asset.  None: always, when referenced.
    note : str
        What the asset is for, or why it is not vendored (logs and errors).
    epilogue : callable, optional
        ``epilogue(folder)`` returns JavaScript to run right after the asset.
    """

    package: str
    name: str
    path: str | None
    version: str = ""
    license: str = ""
    copyright: str = ""
    needed: Callable[[str], bool] | None = None
    note: str = ""
    epilogue: Callable[[Path], str] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.package, self.name


def _uses(pattern: str) -> Callable[[str], bool]:
    regex = re.compile(pattern)

    def needed(page: str) -> bool:
        return regex.search(page) is not None

    needed.__doc__ = f"Whether the page matches {pattern!r}."
    return needed


def _never(page: str) -> bool:
    """Styling only: the page works and reads the same without it."""
    return False


# jQuery: folium.Popup builds its content with `$(`...`)`, objects_to_stay_in_front
# calls `$(document).ready`.  `${` (template literals) does not match.
_uses_jquery = _uses(r"(?<![\w$.])(?:\$|jQuery)\s*[(.]")
_uses_bootstrap_js = _uses(r"data-bs-[a-z]|\bbootstrap\.[A-Z]\w*")
_uses_awesome_markers = _uses(r"\bL\.AwesomeMarkers\b")
_uses_glyphicons = _uses(r"\bglyphicon\b")
_uses_font_awesome = _uses(r"(?<![\w-])fa[srbl]?\s+fa-[a-z]|\"prefix\":\s*\"fa[srbl]?\"")


def _data_uri(path: Path) -> str:
    mime = _MIME.get(path.suffix.lower())
    if mime is None:
        raise MissingAssetError(f"cannot inline {path.name}: unknown file type {path.suffix!r}")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _leaflet_icons(folder: Path) -> str:
    """Point Leaflet's default marker icon at data URIs.

    Leaflet finds its marker images from the URL of ``leaflet.css``; inlined,
    there is none, and it would request ``marker-icon.png`` beside the page.
    """
    images = folder / "leaflet" / "images"
    options = {"iconUrl": "marker-icon.png", "iconRetinaUrl": "marker-icon-2x.png",
               "shadowUrl": "marker-shadow.png"}  # fmt: skip
    merged = ", ".join(f'{key}: "{_data_uri(images / name)}"' for key, name in options.items())
    return f'L.Icon.Default.imagePath = "";\nL.Icon.Default.mergeOptions({{{merged}}});\n'


_LEAFLET = {"version": "1.9.3", "license": "BSD-2-Clause",
            "copyright": "(c) 2010-2022 Vladimir Agafonkin, (c) 2010-2011 CloudMade"}  # fmt: skip
_CLUSTER = {"version": "1.5.3", "license": "MIT",
            "copyright": "(c) 2012 David Leaver, Smartrak"}  # fmt: skip
_FULLSCREEN = {"version": "3.0.0", "license": "MIT", "copyright": "(c) 2013 Bruno Bergot"}
_MINIMAP = {"version": "3.6.1", "license": "BSD-2-Clause", "copyright": "(c) 2012 Norkart AS"}
_NOT_USED = "not used by this page"

#: Everything a whitezone (or plain Folium) page may reference, vendored or not.
ASSETS: tuple[Asset, ...] = (
    Asset("leaflet", "leaflet.js", "leaflet/leaflet.js", **_LEAFLET, epilogue=_leaflet_icons),
    Asset("leaflet", "leaflet.css", "leaflet/leaflet.css", **_LEAFLET),
    Asset("jquery", "jquery.js", "jquery/jquery.min.js", version="3.7.1", license="MIT",
          copyright="(c) OpenJS Foundation and other contributors", needed=_uses_jquery,
          note="used by folium.Popup and objects kept in front"),  # fmt: skip
    Asset("d3", "d3.js", "d3/d3.min.js", version="3.5.5", license="BSD-3-Clause",
          copyright="(c) 2010-2015 Michael Bostock", note="draws branca colour-scale legends"),  # fmt: skip
    Asset("leaflet.fullscreen", "control.fullscreen.js", "leaflet.fullscreen/Control.FullScreen.js",
          **_FULLSCREEN),  # fmt: skip
    Asset("leaflet.fullscreen", "control.fullscreen.css",
          "leaflet.fullscreen/Control.FullScreen.css", **_FULLSCREEN),  # fmt: skip
    Asset("leaflet.markercluster", "leaflet.markercluster.js",
          "leaflet.markercluster/leaflet.markercluster.js", **_CLUSTER),  # fmt: skip
    Asset("leaflet.markercluster", "markercluster.css", "leaflet.markercluster/MarkerCluster.css",
          **_CLUSTER),  # fmt: skip
    Asset("leaflet.markercluster", "markercluster.default.css",
          "leaflet.markercluster/MarkerCluster.Default.css", **_CLUSTER),  # fmt: skip
    Asset("leaflet-minimap", "control.minimap.js", "leaflet-minimap/Control.MiniMap.min.js",
          **_MINIMAP),  # fmt: skip
    Asset("leaflet-minimap", "control.minimap.css", "leaflet-minimap/Control.MiniMap.min.css",
          **_MINIMAP),  # fmt: skip
    # Not vendored.  Folium adds them to every page; whitezone maps do not use them.
    Asset("bootstrap", "bootstrap.bundle.js", None, needed=_uses_bootstrap_js,
          note="Bootstrap 5 JavaScript (no whitezone map uses its components)"),  # fmt: skip
    Asset("bootstrap", "bootstrap.css", None, needed=_never,
          note="Bootstrap 5 styling (fonts of the page only; 190 KB)"),  # fmt: skip
    Asset("bootstrap", "bootstrap-glyphicons.css", None, needed=_uses_glyphicons,
          note="Glyphicons font for folium.Icon(prefix='glyphicon')"),  # fmt: skip
    Asset("@fortawesome/fontawesome-free", "all.css", None, needed=_uses_font_awesome,
          note="Font Awesome font for folium.Icon(prefix='fa') (about 1 MB)"),  # fmt: skip
    Asset("leaflet.awesome-markers", "leaflet.awesome-markers.js", None,
          needed=_uses_awesome_markers,
          note="folium.Icon markers; use CircleMarker, DivIcon or the default marker"),  # fmt: skip
    Asset("leaflet.awesome-markers", "leaflet.awesome-markers.css", None,
          needed=_uses_awesome_markers,
          note="folium.Icon markers; use CircleMarker, DivIcon or the default marker"),  # fmt: skip
    Asset("folium", "leaflet.awesome.rotate.css", None, needed=_uses_awesome_markers,
          note="rotation of folium.Icon markers"),  # fmt: skip
)

_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif",
         ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
         ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf"}  # fmt: skip

#: Marks an inlined block, so :func:`external_urls` skips the library's own text.
ASSET_ATTRIBUTE = "data-whitezone-asset"

_SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.I | re.S)
_STYLE = re.compile(r"<style\b(?P<attrs>[^>]*)>(?P<body>.*?)</style\s*>", re.I | re.S)
_LINK = re.compile(r"<link\b(?P<attrs>[^>]*)>", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ATTR = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_EXTERNAL = re.compile(r"^(?:https?:)?//", re.I)
_CSS_URL = re.compile(r"""url\(\s*(?P<q>['"]?)(?P<url>[^'")]*?)(?P=q)\s*\)""", re.I)
_SOURCE_MAP = re.compile(r"^\s*(?://[#@]\s*sourceMappingURL=.*|/\*[#@]\s*sourceMappingURL=.*?\*/)\s*$",
                         re.M)  # fmt: skip
_VERSION = re.compile(r"-\d+(?:\.\d+)+(?=\.)")
_MIN = re.compile(r"\.min(?=\.(?:js|css)$)")
_NON_LOADING_RELS = {"preconnect", "dns-prefetch", "prefetch"}


class _Reference(NamedTuple):
    start: int
    end: int
    kind: str  # "script" | "stylesheet" | "hint" | "other"
    url: str


def _attributes(text: str) -> dict[str, str]:
    out = {}
    for match in _ATTR.finditer(text):
        name, *values = match.groups()
        out[name.lower()] = next((v for v in values if v is not None), "")
    return out


def _references(page: str) -> list[_Reference]:
    """External ``<script src>`` and ``<link href>`` tags of a page, in document order."""
    refs = []
    scripts = [(m.start(), m.end()) for m in _SCRIPT.finditer(page)]
    for match in _SCRIPT.finditer(page):
        src = _attributes(match["attrs"]).get("src", "").strip()
        if _EXTERNAL.match(src):
            refs.append(_Reference(match.start(), match.end(), "script", src))
    for match in _LINK.finditer(page):
        if any(start <= match.start() < end for start, end in scripts):
            continue  # text inside a script, not a tag
        attrs = _attributes(match["attrs"])
        href = attrs.get("href", "").strip()
        if not _EXTERNAL.match(href):
            continue
        rels = set(attrs.get("rel", "").lower().split())
        kind = ("stylesheet" if "stylesheet" in rels
                else "hint" if rels and rels <= _NON_LOADING_RELS else "other")  # fmt: skip
        refs.append(_Reference(match.start(), match.end(), kind, href))
    return sorted(refs)


def _normal_name(name: str) -> str:
    """``Control.FullScreen.min.js`` -> ``control.fullscreen.js``; ``jquery-3.7.1.min.js`` -> ``jquery.js``."""
    return _MIN.sub("", _VERSION.sub("", name.lower()))


def _identify(url: str, packages: Iterable[str]) -> tuple[str | None, str]:
    """(package, normalised file name) of a CDN URL; package None when not recognised.

    The package is the first path segment (without ``@version``; a scoped
    ``@scope/name`` spans two segments) that names a known package, else the
    file's own stem (``code.jquery.com/jquery-3.7.1.min.js``).
    """
    known = set(packages)
    path = urlsplit(url if not url.startswith("//") else f"https:{url}").path
    segments = [s for s in path.split("/") if s]
    name = _normal_name(segments[-1]) if segments else ""
    for i, segment in enumerate(segments[:-1]):
        candidate = segment.lower()
        if candidate.startswith("@") and i + 1 < len(segments) - 1:
            candidate = f"{candidate}/{segments[i + 1].lower()}"
        if "@" in candidate[1:]:
            candidate = candidate[0] + candidate[1:].split("@", 1)[0]
        if candidate in known:
            return candidate, name
    stem = name.rsplit(".", 1)[0]
    return (stem if stem in known else None), name


def _escape_js(code: str) -> str:
    """Script text that cannot end its ``<script>`` element early.

    ``</script`` becomes ``<\\/script`` (the same string, regex or comment to
    JavaScript) and ``<!--`` becomes ``\\x3C!--`` so the HTML parser never
    enters its "script data escaped" state.
    """
    code = re.sub(r"</(script)", r"<\\/\1", code, flags=re.I)
    return code.replace("<!--", "\\x3C!--")


def _escape_css(code: str) -> str:
    return re.sub(r"</(style)", r"<\\/\1", code, flags=re.I)


def _inline_css_urls(css: str, source: Path, folder: Path) -> str:
    """Replace ``url(relative)`` in a vendored stylesheet with ``data:`` URIs."""

    def replace(match: re.Match) -> str:
        url = match["url"].strip()
        if not url or url.startswith(("data:", "#")):
            return match.group(0)
        if _EXTERNAL.match(url):
            raise MissingAssetError(f"{source.name} refers to {url}, which is not vendored")
        target = (source.parent / url.split("?", 1)[0].split("#", 1)[0]).resolve()
        if folder.resolve() not in target.parents or not target.is_file():
            raise MissingAssetError(f"{source.name} refers to {url}: no such vendored file "
                                    f"{target}")  # fmt: skip
        return f'url("{_data_uri(target)}")'

    if re.search(r"@import\b", css):
        raise MissingAssetError(f"{source.name} imports another stylesheet; vendor it inlined")
    return _CSS_URL.sub(replace, css)


def _header(asset: Asset) -> str:
    what = " ".join(filter(None, [asset.package, asset.version, Path(asset.path or "").name]))
    extra = ", ".join(filter(None, [asset.copyright, asset.license and f"{asset.license} licence"]))
    text = f"{what}{f' - {extra}' if extra else ''} - inlined by whitezone.maps.offline"
    return f"/* {text.replace('*/', '* /')} */"


def _inline(asset: Asset, kind: str, folder: Path) -> str:
    source = folder / str(asset.path)
    if not source.is_file():
        raise MissingAssetError(f"vendored file {source} is missing (reinstall whitezone)")
    text = _SOURCE_MAP.sub("", source.read_text(encoding="utf-8"))
    label = f"{asset.package}@{asset.version}/{source.name}" if asset.version else source.name
    if kind == "stylesheet" or source.suffix == ".css":
        css = _escape_css(_inline_css_urls(text, source, folder))
        return f'<style {ASSET_ATTRIBUTE}="{label}">\n{_header(asset)}\n{css}\n</style>'
    code = text if asset.epilogue is None else f"{text}\n;{asset.epilogue(folder)}"
    return f'<script {ASSET_ATTRIBUTE}="{label}">\n{_header(asset)}\n{_escape_js(code)}\n</script>'


def _comment(text: str) -> str:
    return f"<!-- whitezone offline: {text.replace('--', '- -')} -->"


def make_self_contained(html: str, *, assets: Iterable[Asset] | None = None,
                        folder: str | Path | None = None) -> str:  # fmt: skip
    """Inline the vendored scripts and stylesheets a Folium page loads from CDNs.

    Parameters
    ----------
    html : str
        A rendered page (``fmap.get_root().render()``).
    assets : iterable of Asset, optional
        The catalogue to match references against; default :data:`ASSETS`.
    folder : str or Path, optional
        Where the vendored files are; default :data:`ASSETS_DIR`.

    Returns
    -------
    str
        The page with every ``<script src>`` and ``<link rel="stylesheet">``
        replaced by an inline block (or, for an unused asset, by a comment).
        Tile URL templates and hyperlinks are left alone.

    Raises
    ------
    MissingAssetError
        The page uses a script or stylesheet that is not vendored (for
        example an awesome-marker icon, or a plugin not in the catalogue).
    """
    catalogue = {a.key: a for a in (ASSETS if assets is None else assets)}
    packages = {package for package, _ in catalogue}
    root = ASSETS_DIR if folder is None else Path(folder)
    refs = _references(html)
    # What the page itself uses: its HTML and inline scripts, without the CDN tags.
    page = "".join(html[start:end] for start, end in
                   zip([0, *(r.end for r in refs)], [*(r.start for r in refs), len(html)], strict=True))  # fmt: skip
    replacements: list[str] = []
    missing: list[str] = []
    done: dict[tuple[str, str], None] = {}  # inlined, in page order
    dropped: list[str] = []
    for ref in refs:
        package, name = _identify(ref.url, packages)
        asset = catalogue.get((package, name)) if package else None
        if ref.kind == "hint":
            logger.info("dropped resource hint %s", ref.url)
            replacements.append(_comment(f"dropped resource hint for {package or name}"))
        elif ref.kind == "other":
            missing.append(f"{ref.url} (a <link> that is not a stylesheet)")
            replacements.append("")
        elif asset is None:
            missing.append(f"{ref.url} (unknown {ref.kind}: not in the vendored catalogue)")
            replacements.append("")
        elif asset.needed is not None and not asset.needed(page):
            logger.debug("dropped %s: %s (%s)", ref.url, _NOT_USED, asset.note)
            dropped.append(name)
            replacements.append(_comment(f"dropped {package} {name}: {_NOT_USED}"))
        elif asset.path is None:
            missing.append(f"{ref.url} ({asset.note or 'not vendored'})")
            replacements.append("")
        elif asset.key in done:
            replacements.append(_comment(f"{package} {name} already inlined above"))
        else:
            replacements.append(_inline(asset, ref.kind, root))
            done[asset.key] = None
            logger.debug("inlined %s as %s", ref.url, asset.path)
    if missing:
        raise MissingAssetError(
            "the map needs scripts or stylesheets that are not vendored in whitezone/maps/assets, "
            "so it cannot be made self-contained:\n  " + "\n  ".join(missing)
        )
    logger.info("self-contained map: inlined %s; dropped as unused: %s",
                ", ".join(name for _, name in done) or "nothing", ", ".join(dropped) or "nothing")
    pieces = []
    position = 0
    for ref, replacement in zip(refs, replacements, strict=True):
        pieces.extend((html[position:ref.start], replacement))
        position = ref.end
    pieces.append(html[position:])
    out = "".join(pieces)
    left = external_urls(out)
    if left:
        logger.warning("self-contained map still refers to %d external URL(s): %s",
                       len(left), ", ".join(left[:5]))  # fmt: skip
    return out


_URL = re.compile(r"""https?://[^\s"'<>()\\`]+""", re.I)
_RELATIVE_SCHEME = re.compile(
    r"""(?:\b(?:src|href|data|poster|action)\s*=\s*\\?["']?|url\(\s*\\?["']?|@import\s+\\?["'])"""
    r"""(//[^\s"'<>()\\`]+)""", re.I)  # fmt: skip
_ANCHOR = re.compile(r"""(?:<|\\u003c|&lt;)a\s[^<>]*?\bhref\s*=\s*(?:\\?["'])?$""", re.I)
_TILE = re.compile(r"\{[zxys]\}|%7B[zxys]%7D", re.I)
_NAMESPACE = ("http://www.w3.org/",)


def external_urls(html: str) -> list[str]:
    """The http(s) references left in a page, other than basemap tile URL templates.

    Inlined vendored blocks (their licence comments and the libraries' own
    strings), HTML comments, hyperlinks (``<a href>``, which the browser
    never fetches by itself) and XML namespace names are not counted.

    Parameters
    ----------
    html : str
        A page.

    Returns
    -------
    list of str
        Each URL once: those in the markup first, then those in inline scripts.
    """

    def skip_blocks(text: str) -> str:
        for regex in (_SCRIPT, _STYLE):
            text = regex.sub(lambda m: "" if ASSET_ATTRIBUTE in m["attrs"] else m.group(0), text)
        return text

    text = skip_blocks(html)
    # HTML comments outside scripts: remove scripts, strip comments, then scan both.
    scripts = [m.group(0) for m in _SCRIPT.finditer(text)]
    markup = _COMMENT.sub("", _SCRIPT.sub(" ", text))
    found: list[str] = []
    for chunk in (markup, *scripts):
        candidates = [(m.start(), m.group(0)) for m in _URL.finditer(chunk)]
        candidates += [(m.start(1), m.group(1)) for m in _RELATIVE_SCHEME.finditer(chunk)]
        for start, url in sorted(candidates):
            url = url.rstrip(".,;")
            if _TILE.search(url) or url.startswith(_NAMESPACE):
                continue
            if _ANCHOR.search(chunk[max(0, start - 300):start]):
                continue
            if url not in found:
                found.append(url)
    return found


def save_map(fmap: folium.Map, path: str | Path, *, self_contained: bool) -> Path:
    """Render a Folium map and write it atomically.

    Parameters
    ----------
    fmap : folium.Map
        The map (e.g. :func:`whitezone.maps.coverage_map`).
    path : str or Path
        The ``.html`` file to write.
    self_contained : bool
        Inline the vendored scripts and stylesheets (see
        :func:`make_self_contained`) so the page works with no network but
        the basemap tiles; False keeps Folium's CDN links (a smaller file).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    MissingAssetError
        ``self_contained`` and the map uses an asset that is not vendored.
    """
    page = fmap.get_root().render()
    if self_contained:
        page = make_self_contained(page)
    written = write_text(page, path)
    logger.info("wrote %s (%s, %.0f KB)", written,
                "self-contained" if self_contained else "CDN links", len(page.encode()) / 1024)  # fmt: skip
    return written
