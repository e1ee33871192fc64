#!/usr/bin/env bash
# Seeds every target's corpus (fuzz/corpus/TARGET/, not committed) from the files the project
# ships — policies/**, scenarios/*.toml, populations/profiles/**, populations/small and edge,
# policies/tests/*.toml — and from the hand-written seeds in fuzz/seeds/TARGET/ (committed).
# Files already in a corpus stay (what earlier runs found). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")"
root=..
c=corpus
mkdir -p "$c"/{csv_load,scenario,profile,explain_household,policy_manifest,parameter_file,set_override,case_file,script}

# csv_load: households.csv, a NUL byte, persons.csv.
small="$root/populations/small"
{ cat "$small/households.csv"; printf '\0'; cat "$small/persons.csv"; } > "$c/csv_load/shipped-small"
extract="$root/populations/register-extract"
{ cat "$extract/households.csv"; printf '\0'; cat "$extract/persons.csv"; } \
    > "$c/csv_load/shipped-register-extract"
# populations/edge has 6 480 households: three slices of 20 (a seed stays small).
edge="$root/populations/edge"
for first in 1 3001 6461; do
    last=$((first + 19))
    {
        awk -F, -v a="$first" -v b="$last" 'NR == 1 || ($1 >= a && $1 <= b)' "$edge/households.csv"
        printf '\0'
        awk -F, -v a="$first" -v b="$last" 'NR == 1 || ($2 >= a && $2 <= b)' "$edge/persons.csv"
    } > "$c/csv_load/shipped-edge-$first"
done

for f in "$root"/scenarios/*.toml; do
    cp "$f" "$c/scenario/shipped-$(basename "$f")"
done

# profile: the path in the profiles directory on the first line, then the file.
(cd "$root/populations/profiles" && find . -name '*.toml' | sort) | while read -r rel; do
    rel=${rel#./}
    { printf '%s\n' "$rel"; cat "$root/populations/profiles/$rel"; } \
        > "$c/profile/shipped-$(echo "$rel" | tr / _)"
done

# explain_household: the households of the case files, one per seed, are in seeds/; the case
# files themselves are valid tables too (household() reads their keys where present).
cp "$root/policies/policy.toml" "$c/policy_manifest/shipped-policy.toml"

# parameter_file: '# parameters/NAME.toml' first, so the file replaces the shipped one.
for f in "$root"/policies/parameters/*.toml; do
    { printf '# parameters/%s\n' "$(basename "$f")"; cat "$f"; } \
        > "$c/parameter_file/shipped-$(basename "$f")"
done

for f in "$root"/policies/tests/*.toml; do
    cp "$f" "$c/case_file/shipped-$(basename "$f")"
done

# script: '// rules/NAME.rhai' first, so the script replaces the shipped one.
for f in "$root"/policies/rules/*.rhai; do
    { printf '// rules/%s\n' "$(basename "$f")"; cat "$f"; } \
        > "$c/script/shipped-$(basename "$f")"
done

for t in seeds/*/; do
    t=$(basename "$t")
    cp seeds/"$t"/* "$c/$t/" 2>/dev/null || true
done
