#!/usr/bin/env python3
"""Opens reports in headless Chromium, as a reader with a 1280-px window would, and fails on
what a reader would see broken: a page wider than the window, an image or SVG that does not
load, a link to a missing file (or, from an HTML page, to a Markdown one), raw Markdown in the
rendered text, or an error on the console.

    check_reports.py --nnfit build/nnfit [--source DIR] [--screenshots DIR] [REPORT.html ...]

With --nnfit it first writes a fresh run report, a comparison report, a suite report and a
multi-run report into a scratch folder and checks those; any REPORT.html given is checked too
(the committed ones, say). --screenshots saves a 1280-px screenshot of each generated kind.
Exit status 0 when every page passes, 1 otherwise (each problem printed with its page)."""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WIDTH, HEIGHT = 1280, 900

# Run inside the page once it has loaded; the result is left in the DOM for --dump-dom.
CHECKER = """<script>
window.addEventListener('load', () => {
  const r = {};
  r.width = document.documentElement.scrollWidth;
  r.broken_images = [...document.images]
      .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src'));
  r.broken_svg = [...document.querySelectorAll('svg')]
      .filter(s => { const b = s.getBoundingClientRect(); return b.width < 10 || b.height < 10; })
      .length;
  const text = document.body.innerText;
  r.markdown = (text.match(/\\[[^\\]\\n]+\\]\\([^)\\s]+\\)|\\*\\*[^*\\n]+\\*\\*|^\\s*\\|?\\s*-{3,}:?\\s*\\|/gm) || [])
      .slice(0, 5);
  r.links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
  const out = document.createElement('pre');
  out.id = 'nnfit-browser-check';
  out.textContent = JSON.stringify(r);
  document.body.appendChild(out);
});
</script>
"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("check_reports: no Chromium found (scripts/setup installs Debian's chromium)")


def browser_args(extra):
    return [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--allow-file-access-from-files", f"--window-size={WIDTH},{HEIGHT}",
            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", *extra]


def check_page(page: Path):
    """The problems of one HTML page, as strings."""
    probe = page.with_name(".browser-check-" + page.name)
    html = page.read_text(encoding="utf-8")
    probe.write_text(html.replace("</body>", CHECKER + "</body>"), encoding="utf-8")
    try:
        run = subprocess.run(browser_args(["--dump-dom", probe.resolve().as_uri()]),
                             capture_output=True, text=True, timeout=120)
    finally:
        probe.unlink()
    match = re.search(r'<pre id="nnfit-browser-check">(.*?)</pre>', run.stdout, re.S)
    if not match:
        return [f"the page did not load (Chromium exit {run.returncode}): {run.stderr[-500:]}"]
    r = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&")
                   .replace("&lt;", "<").replace("&gt;", ">"))
    problems = []
    if r["width"] > WIDTH:
        problems.append(f"the page is {r['width']} px wide, wider than the {WIDTH}-px window")
    for src in r["broken_images"]:
        problems.append(f"an image does not load: {src}")
    if r["broken_svg"]:
        problems.append(f"{r['broken_svg']} SVG figures are not drawn")
    for text in r["markdown"]:
        problems.append(f"raw Markdown in the page: {text!r}")
    for href in r["links"]:
        if re.match(r"^[a-z]+:", href) or href.startswith("#"):
            continue
        target = (page.parent / href.split("#")[0]).resolve()
        if href.split("#")[0].endswith(".md"):
            problems.append(f"a link from HTML to a Markdown page: {href}")
        elif not target.exists():
            problems.append(f"a link to a missing file: {href}")
    for line in run.stderr.splitlines():
        if "CONSOLE" in line or "Uncaught" in line:
            problems.append(f"console: {line.strip()[:300]}")
    return problems


def screenshot(page: Path, png: Path):
    png.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(browser_args([f"--screenshot={png.resolve()}", "--hide-scrollbars",
                                 f"--window-size={WIDTH},1600", page.resolve().as_uri()]),
                   capture_output=True, timeout=120, check=True)


def generate(nnfit: str, source: Path, scratch: Path):
    """Fresh reports of every kind, by the built binary; their HTML pages by kind."""
    def run(*args):
        subprocess.run([nnfit, *args], cwd=source, check=True, stdout=subprocess.DEVNULL)
    run("-q", "--config", "tests/configs/tiny.json", "--set", "diagnostics=true",
        "-o", str(scratch / "run"))
    run("-q", "--config", "tests/configs/tiny.json", "--set", "optimizer.lr=0.003",
        "-o", str(scratch / "run-slow"))
    run("compare", "-q", "--experiment", "tests/experiments/scaling.json",
        "-o", str(scratch / "compare"))
    run("compare", "-q", "--experiment", "tests/experiments/suite.json",
        "-o", str(scratch / "suite"))
    run("report", str(scratch / "run"), str(scratch / "run-slow"),
        "-o", str(scratch / "runs.html"))
    return {"run": scratch / "run" / "report.html",
            "comparison": scratch / "compare" / "report.html",
            "suite": scratch / "suite" / "report.html",
            "runs": scratch / "runs.html"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nnfit")
    parser.add_argument("--source", default=".")
    parser.add_argument("--screenshots")
    parser.add_argument("pages", nargs="*")
    args = parser.parse_args()
    pages = [Path(p) for p in args.pages]
    with tempfile.TemporaryDirectory() as scratch:
        if args.nnfit:
            made = generate(os.path.abspath(args.nnfit), Path(args.source), Path(scratch))
            pages = list(made.values()) + pages
            if args.screenshots:
                for kind, page in made.items():
                    screenshot(page, Path(args.screenshots) / f"{kind}_report.png")
        failed = 0
        # Two browsers at a time (the machine's two cores): a page takes about 2 s to check.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for page, problems in zip(pages, pool.map(check_page, pages)):
                for p in problems:
                    print(f"{page}: {p}")
                failed += bool(problems)
        print(f"check_reports: {len(pages) - failed} of {len(pages)} pages pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
