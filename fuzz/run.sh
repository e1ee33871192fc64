#!/usr/bin/env bash
# Builds every fuzz target and runs each for SECONDS (default 30), one after the other, with one
# job each. Stops with a non-zero exit at the first crash, printing the input that caused it
# (fuzz/artifacts/TARGET/…). Prints `skipped: …` and exits 0 where nightly Rust is missing.
#
#   bash fuzz/run.sh          # 30 s per target
#   bash fuzz/run.sh 600      # the 10-minute runs of the README
#   FUZZ_TARGETS="csv_load script" bash fuzz/run.sh 60
#
# Corpora grow in fuzz/corpus/TARGET/ (seeded by seed.sh); logs go to fuzz/logs/TARGET.log.
set -uo pipefail
seconds=${1:-30}
cd "$(dirname "$0")"

if ! command -v cargo >/dev/null 2>&1 || ! cargo +nightly --version >/dev/null 2>&1; then
    echo "skipped: fuzzing needs nightly Rust (rustup toolchain install nightly); not run"
    exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked || { echo "error: cannot install cargo-fuzz" >&2; exit 1; }
fi

# No sanitizer by default: the engine has no unsafe code, and without ASan the targets run about
# twice as fast. Panics, overflow checks (on in fuzz builds), stack overflows, timeouts and
# memory beyond -rss_limit_mb are all caught without it. FUZZ_SANITIZER=address to add it.
sanitizer=${FUZZ_SANITIZER:-none}
# One thread in the engine too (the machine is shared; results do not depend on threads).
export RAYON_NUM_THREADS=${RAYON_NUM_THREADS:-1}
build=(-s "$sanitizer")

bash seed.sh
start=$(date +%s)
cargo +nightly fuzz build "${build[@]}" || { echo "error: the fuzz targets do not build" >&2; exit 1; }
echo "built in $(( $(date +%s) - start )) s"

targets=${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}
mkdir -p logs
for t in $targets; do
    args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
    [ -f "dict/$t.dict" ] && args+=(-dict="dict/$t.dict")
    log="logs/$t.log"
    echo "== $t: ${seconds} s"
    cargo +nightly fuzz run "${build[@]}" "$t" "corpus/$t" -- "${args[@]}" > "$log" 2>&1
    status=$?
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "   ${done_line:-no DONE line} | execs ${execs:-?}"
    if [ "$status" -ne 0 ]; then
        tail -40 "$log"
        artifact=$(grep -oE '(Test unit written to|artifact_prefix.*; Test unit written to) [^ ]+' "$log" \
            | tail -1 | awk '{print $NF}')
        echo "CRASH in $t (exit $status): ${artifact:-no artifact written}; log: fuzz/$log"
        echo "reproduce: cargo +nightly fuzz run ${build[*]} $t ${artifact:-ARTIFACT}"
        exit 1
    fi
done
echo "fuzzing: no crash in $(echo $targets | wc -w) targets, ${seconds} s each ($(( $(date +%s) - start )) s with the build)"
