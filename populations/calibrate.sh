#!/usr/bin/env bash
# Every calibration, in the order they build on each other: each council with reported figures
# (populations/reported/public-caseloads.csv, use = fit) fits its own layer, starting from the
# national layer in force; then the national layer learns from those fits how councils differ
# with their unemployment and fits all of Latvia to the national stocks. Rebuilds between the
# steps, since profiles are embedded at build time. About 17 minutes on a 2-core machine.
#
# --keep-best: a council's figures include some no knob reaches (see each layer's comments);
# the best fit is kept and its gaps are written down, not hidden.
set -euo pipefail
cd "$(dirname "$0")/.."
S="cargo run --release -q -p slieksnis --"
for council in ogres-novads kraslavas-novads jekabpils-novads liepaja riga; do
  budget=1000
  [ "$council" = riga ] && budget=50   # four years of Rīga a simulation
  $S calibrate --municipality "$council" --budget "$budget" --keep-best
done
$S calibrate --municipality all --reported populations/reported/latvia-2025.csv --budget 60 --keep-best
