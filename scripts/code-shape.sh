#!/usr/bin/env bash
# The shape of the code where newcomers change it most: long handlers, long files, pages built
# from string keys, audit actions as strings, errors that drop their cause, repeated code.
# Prints one figure per line; compare a run before and after a change.
set -euo pipefail
cd "$(dirname "$0")/.."

# Route handlers: the async functions in src/web/, measured from `async fn` to the closing
# brace at the start of a line.
echo "## Handlers over 40 lines"
find src/web -name '*.rs' -print0 | sort -z | xargs -0 awk '
  FNR == 1 { name = ""; }
  /^(pub(\([a-z]+\))? )?async fn [a-z_0-9]+/ {
    match($0, /async fn [a-z_0-9]+/); name = substr($0, RSTART + 9, RLENGTH - 9); start = FNR; next
  }
  /^}/ && name != "" {
    lines = FNR - start + 1
    if (lines > 40) { printf "%4d  %s:%d %s\n", lines, FILENAME, start, name; count++ }
    name = ""
  }
  END { printf "handlers over 40 lines: %d\n", count }
' | sort -rn

echo "## Source files over 600 lines"
find src -name '*.rs' -print0 | xargs -0 wc -l | grep -v ' total$' | awk '$1 > 600' | sort -rn
echo "files over 600 lines: $(find src -name '*.rs' -print0 | xargs -0 wc -l | grep -v ' total$' | awk '$1 > 600' | wc -l)"

echo "## Pages built from string keys"
# Outside test modules (a test may build a context by hand to render one component).
echo "context.insert calls: $(find src -name '*.rs' -print0 | xargs -0 awk '
  FNR == 1 { in_tests = 0 }
  /^#\[cfg\(test\)\]/ { in_tests = 1 }
  !in_tests && /context\.insert\(/ { count++ }
  END { print count + 0 }')"

echo "## Audit actions written as strings"
echo "action: \"…\" literals in src/store: $(grep -rhoE 'action: "[a-z_]+"' src/store | wc -l)"
echo "distinct action strings: $(grep -rhoE '"(add|remove|create|update|delete|save|submit|withdraw|reopen|import|retire|merge|move|rename|send|revoke|set|change|invite|reset|deactivate|reactivate)_[a-z_]*"' src | sort -u | wc -l)"

echo "## Errors that drop their cause"
echo "AppError::Internal(….to_string()): $(grep -rhoE 'AppError::Internal\([a-z_.]+\.to_string\(\)\)|AppError::Internal\(e\.to_string\(\)\)' src | wc -l)"

echo "## Repeated code"
if command -v duplicates >/dev/null 2>&1; then
  (cd src && duplicates 2>/dev/null | head -n 1)
else
  echo "duplicates: not installed here"
fi
