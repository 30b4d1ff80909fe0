#!/bin/sh
# Regenerates the README's pictures: docs/images/referrals.png (the Referrals tab with
# sheetsync's status columns) and docs/images/dashboard.png (the Dashboard tab and its
# chart), both from the demo register right after `sheetsync demo`.
#
#   scripts/render_screenshots.sh          # run from the repository root, after `make demo`
#                                          # has created .venv (the demo itself is made
#                                          # afresh in a temporary folder)
#
# Needs LibreOffice (headless) and poppler's pdftoppm, e.g. on Debian/Ubuntu:
#   apt-get install libreoffice-calc-nogui poppler-utils
# Not run by the tests. The demo's dates follow today's date, so the pictures do too.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY="$ROOT/.venv/bin/python"
OUT="$ROOT/docs/images"
DPI=${DPI:-110}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for tool in soffice pdftoppm; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (see the top of $0)" >&2; exit 2; }
done

"$ROOT/.venv/bin/sheetsync" demo "$WORK/demo" >/dev/null
"$PY" "$ROOT/scripts/render_screenshots.py" prepare "$WORK/demo/register.xlsx" "$WORK"
mkdir -p "$OUT"
for name in referrals dashboard; do
    # A profile of its own, so a LibreOffice that is open on the desktop does not interfere.
    soffice -env:UserInstallation="file://$WORK/profile" --headless \
        --convert-to pdf --outdir "$WORK" "$WORK/$name.xlsx" >/dev/null
    pdftoppm -r "$DPI" -f 1 -l 1 -singlefile "$WORK/$name.pdf" "$WORK/$name"
    "$PY" "$ROOT/scripts/render_screenshots.py" png "$WORK/$name.ppm" "$OUT/$name.png"
done
