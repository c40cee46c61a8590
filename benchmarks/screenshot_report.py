"""Render a pipeline report in headless Chromium and check that it displays cleanly.

Opens ``OUT_DIR/report.html`` (written by ``s2decode run`` or
:func:`s2decode.pipeline.report.write_report`) in a system Chromium through Playwright (no
browser download), saves a full-page screenshot and prints, as JSON, the console errors,
page errors, requests the page tried to send outside (blocked: the report must be
self-contained), the number of images and how many failed to load. Exits 1 when there is any
error, blocked request or broken image, 0 otherwise.

Usage::

    python benchmarks/screenshot_report.py OUT_DIR [--png FILE] [--width 1280]
        [--chromium /usr/bin/chromium]

``--png`` defaults to ``OUT_DIR/figures/report_screenshot.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

# Chromium flags for a headless, offline, unprivileged render.
_CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def _write_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _find_chromium(chromium: str | os.PathLike | None) -> str:
    if chromium is not None:
        path = shutil.which(os.fspath(chromium)) or os.fspath(chromium)
        if not Path(path).is_file():
            raise FileNotFoundError(
                f"`chromium`={os.fspath(chromium)!r} is not an executable file; give the path "
                "of a Chromium binary, or None to look for one (`apt-get install chromium` "
                "installs it on Debian/Ubuntu)."
            )
        return path
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        path = shutil.which(candidate)
        if path:
            return path
    raise FileNotFoundError(
        "No Chromium found (looked for /usr/bin/chromium and `chromium` on PATH). Install "
        "it with `apt-get install chromium` (Debian/Ubuntu), or pass chromium=PATH."
    )


def screenshot(
    html_path: str | os.PathLike,
    png_path: str | os.PathLike,
    *,
    chromium: str | os.PathLike | None = None,
    width: int = 1280,
) -> dict:
    """Render a report in headless Chromium, save a full-page screenshot, report problems.

    Uses the ``playwright`` Python package with a system Chromium (no browser download):
    the page is loaded offline (every request other than ``file:`` and ``data:`` URLs is
    blocked and counted), then screenshotted.

    Parameters
    ----------
    html_path : path-like
        The HTML file (e.g. ``OUT/report.html``).
    png_path : path-like
        Where the PNG goes (written atomically).
    chromium : path-like | None
        The Chromium executable; ``None`` looks for ``/usr/bin/chromium``, then
        ``chromium`` on ``PATH``.
    width : int
        Viewport width in CSS pixels.

    Returns
    -------
    result : dict
        ``console_errors`` (list of str: console messages of type error),
        ``page_errors`` (list of str: uncaught exceptions), ``images`` (number of
        ``<img>``), ``images_broken`` (those with ``naturalWidth == 0``),
        ``blocked_requests`` (list of URLs the page tried to fetch from outside) and
        ``png`` (the screenshot's path).
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise ImportError(
            "screenshot() needs the playwright package: `pip install playwright` (no browser "
            "download needed; a system Chromium is used, `apt-get install chromium`)."
        ) from err
    page_file = Path(html_path).resolve()
    if not page_file.is_file():
        raise FileNotFoundError(f"{page_file} does not exist; write the report first.")
    executable = _find_chromium(chromium)
    result: dict[str, Any] = {
        "console_errors": [],
        "page_errors": [],
        "blocked_requests": [],
    }

    def route(r) -> None:
        url = r.request.url
        if url.startswith(("file:", "data:")):
            r.continue_()
        else:
            result["blocked_requests"].append(url)
            r.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=list(_CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": int(width), "height": 900})
            page.on(
                "console",
                lambda m: result["console_errors"].append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: result["page_errors"].append(str(e)))
            page.route("**/*", route)
            page.goto(page_file.as_uri(), wait_until="load")
            states = page.evaluate(
                "Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)"
            )
            png = page.screenshot(full_page=True, type="png")
        finally:
            browser.close()
    result["images"] = len(states)
    result["images_broken"] = int(sum(not ok for ok in states))
    result["png"] = str(_write_atomically(Path(png_path), png))
    return result


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="output folder holding report.html")
    parser.add_argument(
        "--png", type=Path, help="screenshot file (default: OUT_DIR/figures/report_screenshot.png)"
    )
    parser.add_argument("--width", type=int, default=1280, help="viewport width (CSS px)")
    parser.add_argument("--chromium", help="Chromium executable (default: found on PATH)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Screenshot the report; return the exit status (0: rendered cleanly)."""
    args = _parse(argv)
    html_path = args.out_dir / "report.html"
    png = args.png or args.out_dir / "figures" / "report_screenshot.png"
    result = screenshot(html_path, png, chromium=args.chromium, width=args.width)
    print(json.dumps(result, indent=2))
    failed = (
        result["console_errors"]
        or result["page_errors"]
        or result["blocked_requests"]
        or result["images_broken"]
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
