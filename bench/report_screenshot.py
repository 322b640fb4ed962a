"""The report page in a real browser: headless Chromium renders report.html, measures whether
anything is wider than the window, and takes a screenshot to look at.

    .venv/bin/python bench/report_screenshot.py [--report runs/demo/report] [--out DIR]
    .venv/bin/python bench/report_screenshot.py --quick      # ~1 min: a small report built here

For each window width (1280 and 800 px) and for the page as delivered (every <details> closed)
and fully opened, it prints the page's content width against the window's, the page height, the
number of elements sticking out past the right edge and of boxes (a <pre>, a table) whose content
must be scrolled sideways; all must be 0 for the page to read top-down without sideways
scrolling. It writes `report-<width>.png` (as delivered) and `report-<width>-open.png` (opened)
into --out: open them to judge the layout. Exit status 1 when a page does not fit.

Without --report it uses runs/demo/report (from `make demo`) if that exists, else it runs the main
job in its quick form on the native board. --quick builds a small report instead: the softmax and
curiosity mixtures trained on a small built-in dataset (bench/_quick.py), measured on the native
board, reported with the training run (qmoe.report.browser does the browser part). Needs
chromium (tools/setup-toolchains.sh installs it).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

WIDTHS = (1280, 800)


def quick_report(work: Path) -> Path:
    """A small report: two mixtures, one fold, a few clips on the native board."""
    from _quick import quick_config, quick_data

    from qmoe.api import load_features, parse_variant, train
    from qmoe.measure import measure_on_board
    from qmoe.report import write_report
    from qmoe.train.config import TrainConfig

    data = quick_data(work)
    fd, fe = load_features("builtin", data)
    base = quick_config(TrainConfig(seed=0))
    variants = ("ternary,4,8@softmax", "ternary,4,8@curiosity")
    configs = [parse_variant(v, base) for v in variants]
    tr = train(fd, fe, configs, work / "train", folds=[1, 2], progress=False)
    runs = []
    for folder in ("moe-softmax_ternary_4_8", "moe-curiosity_ternary_4_8"):
        dev = measure_on_board(
            "native",
            tr.out / folder / "model.qmoe",
            work / "device" / folder,
            data,
            n=10,
            window_n=3,
        )
        runs.append(dev.run_dir)
    return write_report([*runs, tr.out], work / "report").html


def demo_report(work: Path) -> Path:
    """runs/demo/report/report.html if `make demo` left one, else the quick main job's."""
    existing = Path("runs/demo/report/report.html")
    if existing.is_file():
        return existing
    from qmoe.mainjob import run_main_job

    res = run_main_job(work / "demo", work / "data", quick=True, board="native", n=20, say=print)
    return res.report_dir / "report.html"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--report", type=Path, default=None, help="report folder or report.html")
    ap.add_argument("--out", type=Path, default=Path("runs/report-screenshot"))
    ap.add_argument("--quick", action="store_true", help="build a small report here (~1 min)")
    args = ap.parse_args()

    from qmoe.report.browser import layout, screenshot

    with tempfile.TemporaryDirectory(prefix="qmoe-report-bench-") as tmp:
        if args.report is not None:
            page = args.report / "report.html" if args.report.is_dir() else args.report
        elif args.quick:
            page = quick_report(Path(tmp))
        else:
            page = demo_report(Path(tmp))
        print(f"page: {page}")
        print(
            f"{'window px':>9s} {'details':>8s} {'content px':>10s} {'height px':>9s} "
            f"{'past edge':>9s} {'scrolls':>7s}  fits"
        )
        ok = True
        for width in WIDTHS:
            for open_all in (False, True):
                lay = layout(page, width, open_all=open_all)
                ok &= lay.fits
                print(
                    f"{width:9d} {'open' if open_all else 'closed':>8s} {lay.scroll_width:10d} "
                    f"{lay.scroll_height:9d} {len(lay.wide):9d} {len(lay.clipped):7d}  "
                    f"{'yes' if lay.fits else 'NO'}"
                )
                for what in lay.wide + lay.clipped:
                    print(f"    too wide: {what!r}")
                png = args.out / f"report-{width}{'-open' if open_all else ''}.png"
                screenshot_page = page
                if open_all:
                    screenshot_page = _opened(page, Path(tmp))
                screenshot(screenshot_page, png, width, min(16000, lay.scroll_height))
        print(f"screenshots: {args.out}/report-*.png")
    if not ok:
        print("a page does not fit its window (see above)", file=sys.stderr)
    return 0 if ok else 1


def _opened(page: Path, tmp: Path) -> Path:
    """A copy of the page with every <details> block open."""
    copy = tmp / "report-open.html"
    copy.write_text(
        page.read_text(encoding="utf-8").replace("<details>", "<details open>"), encoding="utf-8"
    )
    return copy


if __name__ == "__main__":
    sys.exit(main())
