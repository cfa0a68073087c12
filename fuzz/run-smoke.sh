#!/usr/bin/env bash
# Fuzz smoke run for CI: builds every cargo-fuzz target, runs each for a few seconds on its
# seeds (fuzz/seeds/<target>, read-only) plus fuzz/corpus/<target> (grown, git-ignored), after
# replaying the known crashers in fuzz/regressions/<target>, and exits non-zero if any target
# crashes, panics, times out or runs out of memory.
#
#   fuzz/run-smoke.sh [SECONDS_PER_TARGET]      (default 20)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). Works on a stable toolchain:
# RUSTC_BOOTSTRAP=1 lets stable rustc accept the -Z flags cargo-fuzz passes. Environment:
#   FUZZ_SANITIZER    address (default) or none
#   CARGO_TARGET_DIR  build directory (default fuzz/target, git-ignored)
#   FUZZ_TARGETS      space-separated subset of targets to run
#   FUZZ_SKIP_REGRESSIONS=1  do not replay fuzz/regressions (while a known bug is unfixed)
set -euo pipefail

seconds="${1:-20}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [SECONDS_PER_TARGET]" >&2
    exit 2
fi

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$fuzz_dir/.."

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$fuzz_dir/target}"
sanitizer="${FUZZ_SANITIZER:-address}"
read -r -a targets <<<"${FUZZ_TARGETS:-paper_text payload manifest manifest_status totp_seed expiry_date log scan_input assess_input policy protected_share typed_line}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: cargo install cargo-fuzz --locked" >&2
    exit 2
fi

build_start=$SECONDS
cargo fuzz build --sanitizer "$sanitizer"
echo "fuzz build: $((SECONDS - build_start))s (sanitizer $sanitizer)"

logs="$(mktemp -d)"
failed=()
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target"
    options=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=60 -print_final_stats=1)
    if [[ "$target" == scan_input ]]; then
        options+=(-max_len=65536)
    fi
    log="$logs/$target.log"
    status=ok
    replayed=0
    if [[ "${FUZZ_SKIP_REGRESSIONS:-0}" != 1 && -d "fuzz/regressions/$target" ]]; then
        shopt -s nullglob
        known=("fuzz/regressions/$target"/*)
        shopt -u nullglob
        replayed=${#known[@]}
        if ((replayed > 0)) && ! cargo fuzz run --sanitizer "$sanitizer" "$target" "${known[@]}" \
            -- -rss_limit_mb=2048 -timeout=60 >"$logs/$target.regressions.log" 2>&1; then
            status="FAILED (a regression input still crashes)"
            cat "$logs/$target.regressions.log" >>"$log"
        fi
    fi
    if [[ "$status" == ok ]] && ! cargo fuzz run --sanitizer "$sanitizer" "$target" "fuzz/corpus/$target" \
        "fuzz/seeds/$target" -- "${options[@]}" >>"$log" 2>&1; then
        status=FAILED
    fi
    if [[ "$status" != ok ]]; then
        failed+=("$target")
    fi
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1 || true)"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*' || true)"
    ft="$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*' || true)"
    echo "fuzz $target: $status, ${runs:-0} runs in ${seconds}s, cov ${cov:-?}, features ${ft:-?}, ${replayed} regressions replayed"
    if [[ "$status" != ok ]]; then
        grep -E 'panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer|SUMMARY|Test unit written to' "$log" | head -n 8 | sed 's/^/    /' || true
        echo "    full log: $log"
    fi
done

if ((${#failed[@]} > 0)); then
    echo "fuzz smoke FAILED: ${failed[*]} (new crashers are saved in fuzz/artifacts/<target>/, known ones are fuzz/regressions/<target>/)" >&2
    exit 1
fi
echo "fuzz smoke passed: ${#targets[@]} targets, ${seconds}s each"
