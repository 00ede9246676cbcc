"""``report.pdf``: the HTML report printed by headless Chromium, where Chromium is installed.

The page's own print stylesheet (A4, landscape pages for the wide tables,
repeated table headers) lays the PDF out, so the PDF is what a reader would
get by printing ``report.html``.  Chromium is optional: without it, or when
it fails or takes too long, the run logs why and writes no PDF — a run never
fails for the PDF.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..i18n import message

__all__ = ["BROWSERS", "find_chromium", "html_to_pdf"]

logger = logging.getLogger(__name__)

#: Executables tried in order on PATH.
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
#: Long enough for a national report's HTML on a busy two-core machine.
TIMEOUT_S = 180.0


def find_chromium() -> str | None:
    """The first of :data:`BROWSERS` on PATH, or None."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _stop_group(pid: int) -> None:
    """End what is left of the process group Chromium led (its helpers share it)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(pid, signal.SIGKILL)


def _kill(process: subprocess.Popen) -> None:
    _stop_group(process.pid)
    process.wait()


def html_to_pdf(html: str, *, lang: str = "en", browser: str | None = None,
                timeout_s: float = TIMEOUT_S) -> bytes | None:  # fmt: skip
    """Print an HTML page to PDF with headless Chromium.

    Parameters
    ----------
    html : str
        A self-contained page (it is opened from a temporary file with the
        network turned off).
    lang : {"vi", "en"}
        Language of the message logged when there is no Chromium.
    browser : str, optional
        The Chromium executable; default the first of :data:`BROWSERS` on PATH.
    timeout_s : float
        Chromium is stopped after this long.

    Returns
    -------
    bytes or None
        The PDF, or None (logged) when there is no Chromium, it failed, or it
        timed out.
    """
    browser = browser or find_chromium()
    if browser is None:
        logger.info(message("report.docx_no_pdf", lang))
        return None
    with tempfile.TemporaryDirectory(prefix="whitezone-pdf-") as tmp:
        folder = Path(tmp)
        page, pdf = folder / "report.html", folder / "report.pdf"
        page.write_text(html, encoding="utf-8")
        args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-dev-shm-usage", "--disable-background-networking", "--disable-sync",
                "--disable-component-update", "--disable-extensions", "--no-pdf-header-footer",
                # The page is self-contained: nothing may be fetched while printing it.
                "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
                f"--user-data-dir={folder / 'profile'}", f"--print-to-pdf={pdf}",
                page.as_uri()]  # fmt: skip
        with open(folder / "chromium.log", "wb") as log:
            try:
                # Its own session, so a timeout ends Chromium's helper processes too; output
                # goes to a file, not a pipe a lingering helper could hold open.
                process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                           start_new_session=True, cwd=folder)  # fmt: skip
            except OSError as exc:
                logger.warning("report.pdf not written: %s could not be started (%s)", browser, exc)
                return None
            try:
                code = process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _kill(process)
                logger.warning("report.pdf not written: %s took more than %g s", browser, timeout_s)
                return None
            finally:
                # Helpers Chromium left behind would keep the temporary folder busy.
                _stop_group(process.pid)
        data = pdf.read_bytes() if pdf.is_file() else b""
        if code != 0 or not data.startswith(b"%PDF"):
            tail = (folder / "chromium.log").read_text(encoding="utf-8", errors="replace")[-500:]
            logger.warning("report.pdf not written: %s exited with %s: %s", browser, code, tail)
            return None
    return data
