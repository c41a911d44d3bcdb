#!/usr/bin/env bash
# Renders a churn report.html in headless Chromium and fails unless the page is drawn (a
# screenshot with many distinct colours) and every SVG chart is in the DOM.
#
#   tests/browser/check_report.sh path/to/report.html [expected-svg-count (default 7)]
#
# Installs Debian's chromium when it is missing (install_chromium.sh: needs root and the
# registry). Python 3 (standard library only) checks the screenshot; it is a test tool,
# never a product dependency.
set -euo pipefail

html=${1:?usage: check_report.sh REPORT.html [EXPECTED_SVGS]}
expected=${2:-7}
[ -f "$html" ] || { echo "check_report: no such file: $html" >&2; exit 2; }
html=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")

browser=""
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
if [ -z "$browser" ]; then
    echo "check_report: installing chromium" >&2
    bash "$(dirname "$0")/install_chromium.sh"
    browser=chromium
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --hide-scrollbars)

# Full DOM after load.
"$browser" "${flags[@]}" --user-data-dir="$(mktemp -d -p "$work")" --dump-dom "file://$html" >"$work/dom.html" 2>"$work/dom.log" || {
    cat "$work/dom.log" >&2; echo "check_report: chromium --dump-dom failed" >&2; exit 1; }
# Screenshot of the top of the page (the metrics table and the first charts).
"$browser" "${flags[@]}" --user-data-dir="$(mktemp -d -p "$work")" --window-size=1280,2400 \
    --screenshot="$work/shot.png" "file://$html" >"$work/shot.log" 2>&1 || {
    cat "$work/shot.log" >&2; echo "check_report: chromium --screenshot failed" >&2; exit 1; }

# Keep the screenshot (and the DOM) as artifacts when asked: CHECK_REPORT_SCREENSHOT=path.png.
if [ -n "${CHECK_REPORT_SCREENSHOT:-}" ]; then
    cp "$work/shot.png" "$CHECK_REPORT_SCREENSHOT"
    cp "$work/dom.html" "${CHECK_REPORT_SCREENSHOT%.png}.dom.html"
fi

python3 - "$work/dom.html" "$work/shot.png" "$expected" <<'PY'
import re, struct, sys, zlib

dom_path, png_path, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
dom = open(dom_path, encoding="utf-8", errors="replace").read()
problems = []
svgs = len(re.findall(r"<svg\b", dom))
if svgs < expected:
    problems.append(f"{svgs} <svg> elements in the DOM, expected {expected}")
for chart in ["roc", "precision_recall", "calibration", "lift", "gains", "score_distribution", "feature_importance"]:
    m = re.search(r'<figure[^>]*id="chart-%s"[^>]*>(.*?)</figure>' % chart, dom, re.S)
    if not m:
        problems.append(f"chart-{chart}: figure missing")
    elif not re.search(r"<(polyline|path|rect|circle|line)\b", m.group(1)):
        problems.append(f"chart-{chart}: no drawn shapes")
if "<table" not in dom:
    problems.append("no tables in the DOM")

# Decode the PNG (8-bit RGB/RGBA, as Chromium writes) and count distinct colours.
data = open(png_path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "screenshot is not a PNG"
pos, idat, width = 8, b"", 0
while pos < len(data):
    (length,) = struct.unpack(">I", data[pos:pos + 4]); kind = data[pos + 4:pos + 8]
    body = data[pos + 8:pos + 8 + length]; pos += 12 + length
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), f"unexpected PNG format depth={depth} type={ctype}"
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
colours = set()
for y in range(height):
    f = raw[y * (stride + 1)]; line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    if y % 2 == 0:
        for x in range(0, stride, bpp * 2):
            colours.add(bytes(line[x:x + 3]))
if len(colours) < 50:
    problems.append(f"screenshot looks blank: {len(colours)} distinct colours")
print(f"check_report: {svgs} svg charts in the DOM, screenshot {width}x{height} with {len(colours)} distinct colours")
if problems:
    print("check_report: FAILED\n  " + "\n  ".join(problems), file=sys.stderr)
    sys.exit(1)
print("check_report: ok")
PY
