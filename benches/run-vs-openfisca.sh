#!/usr/bin/env bash
# Slieksnis against OpenFisca on the same 1 000 000-household CSV population (2025 rules, Ogre,
# low-income 70 %): wall time of each, and a household-by-household check that the results are
# equal.
#
#   benches/run-vs-openfisca.sh            # N = 1000000
#   benches/run-vs-openfisca.sh 100000
#
# Needs python3 with venv and the package index the first time (OpenFisca, numpy, pandas), and
# GNU time at /usr/bin/time.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
N=${1:-1000000}
cd "$HERE/.."
cargo build --release -q -p slieksnis
"$HERE/openfisca-peer/peer.sh" "$N"
pop=/tmp/openfisca-peer/pop/ogres-novads-$N-seed2025
peer=/tmp/openfisca-peer/out/ogres-novads-$N-seed2025-0.70/households.csv
out=/tmp/slieksnis-vs-openfisca
echo "== Slieksnis, same population, 3 runs (households.csv and summary.csv written)"
for _ in 1 2 3; do
    /usr/bin/time -f "wall %e s, peak RSS %M KB" target/release/slieksnis run --population "$pop" --period 2025-06 --out "$out" --quiet
done
echo "TOTAL               $(tail -1 "$out/summary.csv")"
# Same columns as the peer's per-household file: household_id,status,gmi_benefit,housing_benefit
if cmp -s <(cut -d, -f1,3,4,5 "$out/households.csv") "$peer"; then
    echo "per-household results: identical to OpenFisca for all $N households"
else
    echo "per-household results DIFFER from OpenFisca:" >&2
    diff <(cut -d, -f1,3,4,5 "$out/households.csv") "$peer" | head >&2
    exit 1
fi
