#!/usr/bin/env bash
# Vendors the desk's browser files from the npm registry at pinned
# versions and records what was taken (version, file, sha256) in
# internal/ui/static/VENDORED. Run it to upgrade: change a version below,
# run, look at the diff, run the browser tests. `go build` never needs npm.
set -euo pipefail
cd "$(dirname "$0")/.."

HTMX=2.0.11          # htmx.org
HTMX_SSE=2.2.4       # htmx-ext-sse (the pair that goes with htmx 2.0.x)
FONT=5.3.0           # @fontsource/noto-sans-kannada (OFL-1.1), kannada subset only
AXE=4.14.1           # axe-core (MPL-2.0): browser tests only, never served
ECHARTS=6.1.0        # echarts (Apache-2.0): the watch floor's charts, loaded only by those pages

static=internal/ui/static
testdata=internal/ui/browsertest/testdata
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # package version -> directory with the unpacked package
  local dir="$work/$(echo "$1" | tr '/@' '__')"
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "$1@$2" >/dev/null && tar xzf ./*.tgz)
  echo "$dir/package"
}

htmx=$(fetch htmx.org "$HTMX")
sse=$(fetch htmx-ext-sse "$HTMX_SSE")
font=$(fetch @fontsource/noto-sans-kannada "$FONT")
axe=$(fetch axe-core "$AXE")
echarts=$(fetch echarts "$ECHARTS")

mkdir -p "$static" "$testdata"
cp "$htmx/dist/htmx.min.js" "$static/htmx.min.js"
cp "$sse/dist/sse.min.js" "$static/htmx-sse.min.js"
cp "$font/files/noto-sans-kannada-kannada-400-normal.woff2" "$static/noto-sans-kannada-400.woff2"
cp "$font/files/noto-sans-kannada-kannada-700-normal.woff2" "$static/noto-sans-kannada-700.woff2"
cp "$font/LICENSE" "$static/OFL-noto-sans-kannada.txt"
cp "$axe/axe.min.js" "$testdata/axe.min.js"
cp "$echarts/dist/echarts.min.js" "$static/echarts.min.js"
cp "$echarts/LICENSE" "$static/LICENSE-echarts.txt"

{
  echo "# Written by scripts/vendor-ui.sh; do not edit by hand."
  echo "# package@version file sha256"
  for f in htmx.min.js:htmx.org@$HTMX htmx-sse.min.js:htmx-ext-sse@$HTMX_SSE \
           noto-sans-kannada-400.woff2:@fontsource/noto-sans-kannada@$FONT \
           noto-sans-kannada-700.woff2:@fontsource/noto-sans-kannada@$FONT \
           OFL-noto-sans-kannada.txt:@fontsource/noto-sans-kannada@$FONT \
           echarts.min.js:echarts@$ECHARTS LICENSE-echarts.txt:echarts@$ECHARTS; do
    echo "${f#*:} ${f%%:*} $(sha256sum "$static/${f%%:*}" | cut -d' ' -f1)"
  done
  echo "axe-core@$AXE ../browsertest/testdata/axe.min.js $(sha256sum "$testdata/axe.min.js" | cut -d' ' -f1)"
} > "$static/VENDORED"
cat "$static/VENDORED"
