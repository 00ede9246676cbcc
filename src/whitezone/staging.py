"""One run's complete set: outputs staged beside their folder, swapped in whole, with a manifest.

Every file is written atomically (:mod:`whitezone.files`), but a run writes
dozens of them: killed half-way, a folder would hold the new tables beside
the old map, with nothing to tell them apart.  :class:`OutputFolder` makes a
command's outputs one transaction:

1. a staging folder is made beside the output folder
   (``.<name>.staging-<token>``) and every file is written into it;
2. files the command does not replace are carried over from the current
   folder (hard links: nothing is copied) — files whitezone did not write,
   and other commands' outputs made from the same inputs;
3. ``run.json``, the manifest, is written last: the command, the run's id,
   time and tool version, each input with its SHA-256, and every file with
   its size, SHA-256 and the command that wrote it;
4. the staging folder and the output folder are swapped in one system call
   (``renameat2(RENAME_EXCHANGE)`` on Linux; elsewhere two renames, and a
   folder left half-swapped is put back by the next command), and the old
   one is removed.

A folder therefore always holds one complete set (the old or the new), and
``run.json`` says which.  A folder that also holds the inputs, other folders,
or the current directory cannot be swapped safely; there the files are
replaced one by one in place, the previous manifest removed first and the
new one written last, so a set without ``run.json`` is known to be
incomplete.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import json
import logging
import os
import shutil
import sys
import uuid
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

from .errors import WhitezoneWarning
from .files import write_text

__all__ = ["MANIFEST", "OutputFolder", "file_sha256", "input_checksums", "read_manifest"]

logger = logging.getLogger(__name__)

#: The manifest's file name.
MANIFEST = "run.json"
_STAGING = ".staging-"
_OLD = ".old-"
# Sidecar files that are part of a shapefile.
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_checksums(paths: Mapping[str, str | Path]) -> dict[str, dict]:
    """Each input's path, size and SHA-256 (a shapefile's parts hashed together).

    Parameters
    ----------
    paths : mapping
        Name (a layer, ``"project"``) -> file.  Database tables and missing
        files get no checksum.
    """
    out = {}
    for name, path in paths.items():
        path = Path(path)
        if not path.is_file():
            out[name] = {"path": str(path)}
            continue
        parts = [path]
        if path.suffix.lower() == ".shp":
            parts = [p for p in (path.with_suffix(s) for s in _SHAPEFILE_PARTS) if p.is_file()]
        digest = hashlib.sha256()
        for part in parts:
            digest.update(bytes.fromhex(file_sha256(part)))
        out[name] = {"path": str(path), "bytes": sum(p.stat().st_size for p in parts),
                     "sha256": digest.hexdigest()}  # fmt: skip
    return out


def read_manifest(folder: str | Path) -> dict | None:
    """The manifest of an output folder, or None when it has none (or an unreadable one)."""
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


def _basis(inputs: Mapping[str, dict]) -> dict[str, str | None]:
    """What outputs depend on: each input's checksum."""
    return {name: entry.get("sha256") for name, entry in inputs.items()}


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux ``renameat2``); False where unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return done == 0


class OutputFolder:
    """A command's outputs written as one transaction (see the module documentation).

    Parameters
    ----------
    folder : str or Path
        The output folder (made when missing).
    command : str
        ``"run"``, ``"scenario"``, ``"sites"``, ``"viewshed"``: the files it
        wrote before are replaced by the ones it writes now.
    run : mapping
        ``run_id``, ``time``, ``version`` of the run.
    inputs : mapping
        :func:`input_checksums` of the run's inputs.
    settings : mapping, optional
        Recorded in the manifest as they are (JSON).
    in_place : bool, optional
        Write into the folder itself; default: only when it cannot be
        swapped safely (it holds an input, a folder, or the current directory).
    replace : bool
        Drop the files this command wrote before (a command that writes a
        whole set); False keeps them unless written again (a viewshed per site).

    Examples
    --------
    >>> with OutputFolder("maps/sample", command="run", run=info, inputs=sums) as out:  # doctest: +SKIP
    ...     write_csv(table, out.path("villages.csv"))
    """

    def __init__(self, folder: str | Path, *, command: str, run: Mapping[str, str],
                 inputs: Mapping[str, dict], settings: Mapping | None = None,
                 in_place: bool | None = None, replace: bool = True):  # fmt: skip
        self.folder = Path(folder).absolute()
        self.command = command
        self.run = dict(run)
        self.inputs = {k: dict(v) for k, v in inputs.items()}
        self.settings = dict(settings or {})
        self._in_place = in_place
        self.replace = replace
        self.staging: Path | None = None
        self.written: list[str] = []
        self._previous: dict | None = None

    # -- entering ------------------------------------------------------------------------

    def __enter__(self) -> OutputFolder:
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        self._recover()
        self._previous = read_manifest(self.folder)
        if self._in_place is None:
            self._in_place = self._must_write_in_place()
        if self._in_place:
            self.folder.mkdir(exist_ok=True)
            # Whatever happens next, the folder no longer claims to hold a complete set.
            (self.folder / MANIFEST).unlink(missing_ok=True)
            self.target = self.folder
        else:
            token = uuid.uuid4().hex[:8]
            self.staging = self.folder.parent / f".{self.folder.name}{_STAGING}{token}"
            self.staging.mkdir()
            self.target = self.staging
        return self

    def _must_write_in_place(self) -> bool:
        if not self.folder.is_dir():
            return False
        cwd = Path.cwd().absolute()
        if cwd == self.folder or self.folder in cwd.parents:
            return True
        if any(child.is_dir() for child in self.folder.iterdir()):
            return True
        return any(Path(entry["path"]).absolute().parent == self.folder
                   for entry in self.inputs.values() if "path" in entry)  # fmt: skip

    def _recover(self) -> None:
        """Put back a folder a killed swap left aside; remove leftovers of killed commands."""
        prefix = f".{self.folder.name}"
        leftovers = [p for p in self.folder.parent.glob(f"{prefix}.*")
                     if p.name.startswith((prefix + _STAGING, prefix + _OLD))]  # fmt: skip
        old = [p for p in leftovers if p.name.startswith(prefix + _OLD)]
        if not self.folder.exists() and old:
            # Killed between the two renames: the old folder is complete.
            os.rename(old[0], self.folder)
            leftovers.remove(old[0])
            logger.warning("restored %s from an interrupted swap", self.folder)
        for path in leftovers:
            shutil.rmtree(path, ignore_errors=True)

    def path(self, name: str) -> Path:
        """Where to write the output ``name`` (a file name, no folder)."""
        if Path(name).name != name or name in ("", ".", "..", MANIFEST):
            raise ValueError(f"not an output file name: {name!r}")
        self.written.append(name)
        return self.target / name

    def add(self, written: Mapping[str, Path] | Iterable[str]) -> None:
        """Record files a writer put in :attr:`target` by itself (e.g. a raster writer)."""
        for name in written:
            if name not in self.written:
                self.written.append(name)

    # -- leaving -------------------------------------------------------------------------

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None:
            if self.staging is not None:
                shutil.rmtree(self.staging, ignore_errors=True)
            return
        self.commit()

    def commit(self) -> None:
        """Carry over what stays, write the manifest, swap the folders."""
        old = self._previous
        same_basis = old is not None and _basis(old.get("inputs", {})) == _basis(self.inputs)
        files: dict[str, dict] = {}
        if old is not None and not same_basis and old["files"]:
            warnings.warn(f"{self.folder}: the outputs of earlier commands were made from other "
                          "inputs and are removed", WhitezoneWarning, stacklevel=3)  # fmt: skip
        for name, entry in (old or {}).get("files", {}).items():
            replaced = self.replace and entry.get("command") == self.command
            if name in self.written or replaced or not same_basis:
                continue
            files[name] = entry
        for name in self.written:
            path = self.target / name
            if path.is_file():
                files[name] = {"bytes": path.stat().st_size, "sha256": file_sha256(path),
                               "command": self.command, "run_id": self.run.get("run_id")}  # fmt: skip
        manifest = {"tool": "whitezone", **self.run, "command": self.command,
                    "inputs": self.inputs, "settings": self.settings,
                    "files": dict(sorted(files.items()))}  # fmt: skip
        if self._in_place:
            self._finish_in_place(old, files, manifest)
            return
        if self.folder.is_dir():
            ours = set(files) | set((old or {}).get("files", {}))
            for child in self.folder.iterdir():
                name = child.name
                carried = name in files and name not in self.written
                foreign = name not in ours and name != MANIFEST
                if (carried or foreign) and child.is_file():
                    _link_or_copy(child, self.staging / name)
        write_text(json.dumps(manifest, indent=2, ensure_ascii=False), self.staging / MANIFEST)
        self._swap()

    def _finish_in_place(self, old, files, manifest) -> None:
        for name in (old or {}).get("files", {}):
            if name not in files:
                (self.folder / name).unlink(missing_ok=True)
        write_text(json.dumps(manifest, indent=2, ensure_ascii=False), self.folder / MANIFEST)

    def _swap(self) -> None:
        if not self.folder.exists():
            os.rename(self.staging, self.folder)
            return
        if _exchange(self.staging, self.folder):
            shutil.rmtree(self.staging, ignore_errors=True)  # now the old folder
            return
        aside = self.folder.parent / f".{self.folder.name}{_OLD}{uuid.uuid4().hex[:8]}"
        os.rename(self.folder, aside)
        os.rename(self.staging, self.folder)
        shutil.rmtree(aside, ignore_errors=True)


def _link_or_copy(source: Path, target: Path) -> None:
    with contextlib.suppress(FileExistsError):
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
