#!/usr/bin/env bash
# The project's one test command (run from anywhere, with the project installed: pip install -e ".[dev]"):
#   1. nbdev-export leaves tweetlab/ unchanged   (else: run nbdev-export and commit)
#   2. nbdev-clean leaves the notebooks unchanged (else: run nbdev-clean and commit)
#   2b. lint-imports: the layer contract in pyproject.toml (each folder of tweetlab imports only the folders below it)
#   3. nbdev-test runs every notebook (quick run: TWEETLAB_QUICK=1, which the notebooks read through pick(); cells flagged slow/gpu/notest skipped)
#   4. scripts/build_docs.sh builds the website into _docs/ (no Quarto needed)
#   5. pytest: tests/, the rendered website included
# Stops at the first failing step and prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."

summary=()
report() { echo; echo "== summary"; printf '  %s\n' "${summary[@]}"; }
fail() { summary+=("FAIL  $1"); report; echo; echo "FAILED: $2" >&2; exit 1; }
# step NAME HINT CMD...: run CMD, time it, and stop with HINT if it fails
step() {
    local name=$1 hint=$2 t0=$SECONDS; shift 2
    echo; echo "== $name: $*"
    "$@" || fail "$name" "$hint"
    summary+=("ok    $name ($((SECONDS - t0))s)")
}
# the content of every file under the given folders (to see whether a command changed any)
snapshot() { find "$@" -type f ! -path '*/__pycache__/*' ! -path '*/.ipynb_checkpoints/*' -print0 | sort -z | xargs -0 sha1sum; }
# unchanged WHAT CMD...: run CMD and fail if it changed any file under WHAT
unchanged() {
    local what=$1 before after; shift
    before=$(snapshot "$what") || return 1
    "$@" || return 1
    after=$(snapshot "$what") || return 1
    if [ "$before" != "$after" ]; then
        echo "$* changed files under $what/:" >&2
        diff <(echo "$before") <(echo "$after") | sed -n 's/^> [0-9a-f]* *//p' >&2
        return 1
    fi
}

step "export is up to date" "tweetlab/ differs from the notebooks: run nbdev-export and commit" unchanged tweetlab nbdev-export
step "notebooks are clean" "notebooks are not clean: run nbdev-clean and commit" unchanged nbs nbdev-clean
step "layer contract" "a module imports a layer above its own (see above): move the code down, or the import up" lint-imports --no-cache
step "nbdev-test" "a notebook failed (see above)" env TWEETLAB_QUICK=1 nbdev-test --n-workers 2 --timing
step "build docs" "the website did not build (see above)" bash scripts/build_docs.sh
step "pytest" "pytest failed (see above)" python -m pytest -q
report
echo; echo "All checks passed."
