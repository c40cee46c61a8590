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
import sys
from pathlib import Path

from s2decode.pipeline.report import screenshot


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
