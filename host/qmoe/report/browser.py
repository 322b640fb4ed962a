"""The report as a browser shows it: headless Chromium renders report.html, measures its layout and
takes a screenshot (bench/report_screenshot.py, tests/test_report.py).

`layout()` loads a copy of the page with a small script added that (optionally) opens every
<details> block and then writes, into the page, the width of the page's content against the width
of the window and every element that sticks out past the right edge; `--dump-dom` hands that back.
`screenshot()` writes a PNG of the whole page at a given window width. Chromium is run with a
throw-away profile, no network services and no sandbox (as root in a container it needs none).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from qmoe.errors import QmoeError

#: Flags for a quiet, offline, throw-away headless Chromium.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
TIMEOUT_S = 120
INSTALL = "tools/setup-toolchains.sh installs it (Debian package chromium)"

_PROBE = """
<script>
window.addEventListener("load", () => {
  if (%(open)s) document.querySelectorAll("details").forEach(d => { d.open = true; });
  const vw = document.documentElement.clientWidth;
  const wide = [], clipped = [];
  const name = el => el.tagName.toLowerCase() + ": " + (el.textContent || "").trim().slice(0, 60);
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 1 && !el.closest(".scroll")) wide.push(name(el));
    if (r.width > 0 && el.scrollWidth > el.clientWidth + 1
        && getComputedStyle(el).overflowX !== "visible") clipped.push(name(el));
  }
  const out = document.createElement("pre");
  out.id = "qmoe-layout";
  out.textContent = JSON.stringify({
    viewport_width: vw,
    scroll_width: document.documentElement.scrollWidth,
    scroll_height: document.documentElement.scrollHeight,
    details: document.querySelectorAll("details").length,
    images: Array.from(document.images).filter(i => i.naturalWidth > 0).length,
    wide: wide.slice(0, 20),
    clipped: clipped.slice(0, 20),
  });
  document.body.appendChild(out);
});
</script>
"""


@dataclass
class Layout:
    """What the page measured in the browser (CSS pixels)."""

    viewport_width: int
    scroll_width: int
    scroll_height: int
    details: int
    images: int  # images that decoded (natural width > 0)
    wide: list[str] = field(default_factory=list)  # elements past the right edge, outside .scroll
    clipped: list[str] = field(default_factory=list)  # boxes whose content scrolls sideways

    @property
    def fits(self) -> bool:
        """Nothing wider than the window: no horizontal scrolling of the page, no element past
        its right edge, no box (a <pre>, a table) whose content must be scrolled sideways."""
        return self.scroll_width <= self.viewport_width and not self.wide and not self.clipped


def chromium() -> str:
    """The Chromium binary (chromium, chromium-browser or google-chrome), or QmoeError."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise QmoeError(f"headless Chromium not found on PATH; {INSTALL}")


def _run(args: list[str], profile: Path) -> str:
    cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise QmoeError(f"chromium did not finish in {TIMEOUT_S} s: {' '.join(cmd)}") from exc
    if proc.returncode != 0:
        raise QmoeError(f"chromium exited {proc.returncode}: {proc.stderr[-2000:]}")
    return proc.stdout


def layout(page: Path, width: int = 1280, height: int = 900, open_all: bool = True) -> Layout:
    """Load `page` at `width` × `height` and measure it (every <details> opened if `open_all`)."""
    page = Path(page)
    text = page.read_text(encoding="utf-8")
    probe = _PROBE % {"open": "true" if open_all else "false"}
    with tempfile.TemporaryDirectory(prefix="qmoe-browser-") as tmp:
        copy = Path(tmp) / page.name
        copy.write_text(text.replace("</body>", probe + "</body>"), encoding="utf-8")
        dom = _run(
            [
                f"--window-size={width},{height}",
                "--virtual-time-budget=10000",
                "--dump-dom",
                copy.as_uri(),
            ],
            Path(tmp) / "profile",
        )
    m = re.search(r'<pre id="qmoe-layout">(.*?)</pre>', dom, re.S)
    if not m:
        raise QmoeError(f"{page}: the page did not report its layout (did it load?)")
    data = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    return Layout(**data)


def screenshot(page: Path, png: Path, width: int = 1280, height: int | None = None) -> Path:
    """A PNG of `page` at window width `width`, as tall as the page (capped at 16,000 px)."""
    page, png = Path(page), Path(png)
    if height is None:
        height = min(16000, layout(page, width, open_all=False).scroll_height)
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qmoe-browser-") as tmp:
        _run(
            [
                f"--window-size={width},{height}",
                f"--screenshot={png.resolve()}",
                page.resolve().as_uri(),
            ],
            Path(tmp) / "profile",
        )
    if not png.is_file():
        raise QmoeError(f"chromium wrote no screenshot {png}")
    return png
