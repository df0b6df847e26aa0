#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The README's picture: an HTML report drawn by Debian's headless chromium.

    python3 scripts/report-screenshot.py build/demo.html docs/report.png

Selects the run's first memory spike (the level load of the demo game),
so the picture shows a selected frame too, and captures the top of the page.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import cdp  # noqa: E402


def main():
    src, png = sys.argv[1], sys.argv[2]
    width = int(sys.argv[3]) if len(sys.argv) > 3 else 1280
    height = int(sys.argv[4]) if len(sys.argv) > 4 else 900
    with cdp.Browser(width=width, height=height) as b:
        page = b.open()
        page.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        page.navigate("file://" + os.path.abspath(src))
        page.wait("window.PMT && window.PMT.ready", 60)
        page.eval("(() => { for (let p = 0; p < PMT.frames; p++)"
                  " if (PMT.flags(p) & 1) { PMT.select(p); return p; } return -1; })()")
        page.eval("window.scrollTo(0, 0)")
        page.eval("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        if page.exceptions:
            raise SystemExit("the page threw: %r" % page.exceptions)
        page.screenshot(png, width, height)
    print("wrote %s" % png)


if __name__ == "__main__":
    main()
