#!/usr/bin/env bash
# Builds ../assets/editor.js, the editor's one script, from src/ with the
# exact package versions of package-lock.json. The Go build never runs
# this: the built file is committed, and a Go test checks that it was
# built from the committed sources (the sha256 in its first line).
#
#   internal/editor/js/build.sh
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C

# The hash of what the bundle is made from; editor_test.go computes the same.
sources_sha256() {
  local f
  for f in build.sh package.json package-lock.json $(ls src/*.js | sort); do
    printf '%s\n' "$f"
    cat "$f"
  done | sha256sum | cut -c1-64
}

# No install scripts: esbuild's binary comes in its platform package.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
opts=(src/editor.js --bundle --minify --target=es2020 --format=iife --charset=utf8 --legal-comments=eof --log-level=warning)

# A first pass lists the packages that end up in the bundle, for the
# licence banner.
npx --no-install esbuild "${opts[@]}" --metafile="$tmp/meta.json" --outfile="$tmp/editor.js"
packages=$(node -e '
  const meta = require(process.argv[1]);
  const names = new Set();
  for (const out of Object.values(meta.outputs)) {
    for (const [p, v] of Object.entries(out.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p);
      if (m && v.bytesInOutput > 0) names.add(m[1]);
    }
  }
  const list = [...names].sort().map((n) => { const j = require("./node_modules/" + n + "/package.json"); return `${n} ${j.version} (${j.license})`; });
  console.log(list.join(", "));
' "$tmp/meta.json")

banner="/*! dripcourse editor: internal/editor/js/build.sh, sources sha256:$(sources_sha256)
 * Bundles ${packages}.
 * CodeMirror and Lezer: Copyright (C) 2018-2021 by Marijn Haverbeke <marijn@haverbeke.berlin> and others.
$(sed 's/^/ * /; s/ *$//' node_modules/@codemirror/view/LICENSE)
 */"
npx --no-install esbuild "${opts[@]}" --banner:js="$banner" --outfile=../assets/editor.js

size=$(wc -c < ../assets/editor.js)
gz=$(gzip -9 < ../assets/editor.js | wc -c)
echo "assets/editor.js: $size bytes, $gz gzipped"
