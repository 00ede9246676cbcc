"""Run the ``whitezone`` command from QGIS: find it, give it a project, follow its progress.

Pure Python (no QGIS import), so it is tested outside QGIS and used by the
algorithms of :mod:`.algorithms` inside it.

* :func:`find_command` — the command line that starts whitezone: the one
  ``whitezone qgis install`` recorded (``command.json`` beside this file), else
  ``WHITEZONE_EXECUTABLE``, else ``whitezone`` on PATH.
* :func:`write_project` — a project file for layers picked in QGIS (exported
  to GeoPackages) with the user's column mapping.
* :func:`run_command` — run it, turning its progress bars into a percentage
  and its one-line ``error:`` messages into the error QGIS shows.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

__all__ = ["CommandError", "find_command", "parse_progress", "run_command", "write_project"]

#: Written by ``whitezone qgis install``: the argv prefix that starts whitezone.
COMMAND_FILE = Path(__file__).with_name("command.json")

# tqdm's bars as the CLI draws them: "<step name> <bar> 3/7 [00:01]".
_PROGRESS = re.compile(r"(\d+)/(\d+)\s*\[")


class CommandError(Exception):
    """whitezone could not be started or ended with an error; the message is its one line."""


def find_command(*, command_file: Path = COMMAND_FILE, environ: Mapping[str, str] | None = None) -> list[str]:
    """The argv prefix that starts whitezone.

    Raises
    ------
    CommandError
        Nothing found; the message says how to fix it.
    """
    environ = os.environ if environ is None else environ
    if command_file.exists():
        command = json.loads(command_file.read_text(encoding="utf-8"))
        if isinstance(command, list) and command and Path(command[0]).exists():
            return [str(part) for part in command]
    if environ.get("WHITEZONE_EXECUTABLE"):
        return [environ["WHITEZONE_EXECUTABLE"]]
    found = shutil.which("whitezone", path=environ.get("PATH"))
    if found:
        return [found]
    raise CommandError(
        "the whitezone command was not found: run `whitezone qgis install` from the Python "
        "environment whitezone is installed in, or set WHITEZONE_EXECUTABLE to its path"
    )


def parse_progress(text: str) -> float | None:
    """The percentage a piece of the command's progress output shows, or None."""
    found = _PROGRESS.findall(text)
    if not found:
        return None
    done, total = (int(v) for v in found[-1])
    return 100.0 * done / total if total else None


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes), quotes and backslashes included.
    return json.dumps(str(value), ensure_ascii=False)


def write_project(folder: str | Path, *, layers: Mapping[str, str], columns: Mapping[str, Mapping[str, str]]
                  | None = None, lang: str = "vi", name: str = "QGIS project",
                  model: str | None = None) -> Path:  # fmt: skip
    """Write ``project.toml`` in ``folder`` naming the given layer files.

    Parameters
    ----------
    folder : str or Path
    layers : mapping
        Layer role (``communes``, ``villages``, ``sites``, ``post_offices``,
        ...) -> file path.
    columns : mapping, optional
        Layer role -> {canonical column: the layer's column}.
    lang : {"vi", "en"}
    name : str
    model : str, optional
        ``[model] kind``; default the tool's.

    Returns
    -------
    Path
        The project file.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"name = {_toml_string(name)}", f"lang = {_toml_string(lang)}", 'output = "output"', "",
             "[layers]"]  # fmt: skip
    lines += [f"{role} = {_toml_string(Path(path).as_posix())}" for role, path in layers.items()]
    for role, mapping in (columns or {}).items():
        chosen = {k: v for k, v in mapping.items() if v}
        if chosen:
            lines += ["", f"[columns.{role}]"]
            lines += [f"{canonical} = {_toml_string(column)}" for canonical, column in chosen.items()]
    if model:
        lines += ["", "[model]", f"kind = {_toml_string(model)}"]
    path = folder / "project.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _read_all(stream, chunks: queue.Queue) -> None:
    """Put what ``stream`` gives into ``chunks`` as it comes; an empty chunk at the end."""
    while True:
        chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
        chunks.put(chunk)
        if not chunk:
            return


def run_command(argv: Sequence[str], *, on_progress: Callable[[float], None] | None = None,
                on_line: Callable[[str], None] | None = None, is_cancelled: Callable[[], bool] | None = None,
                env: Mapping[str, str] | None = None) -> str:  # fmt: skip
    """Run whitezone, reporting progress and lines as they come; return what it printed.

    Raises
    ------
    CommandError
        The command failed: its ``error:`` line (the CLI's one-line message),
        else its last line; or it was cancelled.
    """
    environ = dict(os.environ if env is None else env)
    environ.setdefault("PYTHONIOENCODING", "utf-8")
    environ.pop("PYTHONHOME", None)  # QGIS's own Python must not leak into whitezone's
    environ.pop("PYTHONPATH", None)
    try:
        process = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env=environ)  # fmt: skip
    except OSError as exc:
        raise CommandError(f"could not start {argv[0]}: {exc.strerror}") from None
    # A thread reads the pipe (select() does not take pipes on Windows, where most QGIS users are).
    chunks: queue.Queue[bytes] = queue.Queue()
    reader = threading.Thread(target=_read_all, args=(process.stdout, chunks), daemon=True)
    reader.start()
    lines: list[str] = []
    pending = b""
    while True:
        if is_cancelled is not None and is_cancelled():
            process.kill()
            process.wait()
            raise CommandError("cancelled")
        try:
            chunk = chunks.get(timeout=0.2)
        except queue.Empty:
            continue
        if not chunk:
            break
        # Progress bars redraw with \r; every piece between \r or \n is a line.
        *parts, pending = re.split(rb"[\r\n]", pending + chunk)
        for part in parts:
            text = part.decode("utf-8", "replace").rstrip()
            if not text:
                continue
            percent = parse_progress(text)
            if percent is not None:
                if on_progress is not None:
                    on_progress(percent)
                continue
            lines.append(text)
            if on_line is not None:
                on_line(text)
    if pending.strip():
        lines.append(pending.decode("utf-8", "replace").rstrip())
        if on_line is not None:
            on_line(lines[-1])
    status = process.wait()
    if status != 0:
        # The CLI's message starts with "error:"; a layer's problems follow it, one per line.
        starts = [i for i, line in enumerate(lines) if line.startswith("error:")]
        if starts:
            message = "\n".join(lines[starts[-1] : starts[-1] + 25])
        else:
            message = lines[-1] if lines else f"exit status {status}"
        raise CommandError(message)
    return "\n".join(lines)
