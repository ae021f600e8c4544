#!/usr/bin/env bash
# Runs one Vit.Benchmarks command several times and prints every result line plus the median of each field.
# Before each run it waits (up to MAX_WAIT seconds, default 300) for the 1-minute load average to drop below
# MAX_LOAD (default 1.5), so other work on the machine disturbs the figures as little as possible; the load average
# at the start of each run is printed with its result.
#   usage: benchmarks/measure.sh RUNS <command> [options...]
#   e.g.   benchmarks/measure.sh 3 train-step --compare-baseline --steps 8
#   LAUNCHER prefixes every run, e.g. LAUNCHER="mpirun --allow-run-as-root -np 2" benchmarks/measure.sh 5 allreduce
set -euo pipefail
runs=$1; shift
here="$(cd "$(dirname "$0")" && pwd)"
exe="$here/Vit.Benchmarks/bin/Release/net10.0/Vit.Benchmarks"
[[ -x "$exe" ]] || dotnet build "$here/Vit.Benchmarks" -c Release >/dev/null
max_load=${MAX_LOAD:-1.5}
max_wait=${MAX_WAIT:-300}
read -ra launcher <<<"${LAUNCHER:-}"
# mpirun gives its ranks a pseudo-terminal, on which .NET writes terminal set-up codes before the first line.
((${#launcher[@]})) && export TERM=dumb
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((i = 1; i <= runs; i++)); do
  waited=0
  while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v m="$max_load" 'BEGIN { exit !(l >= m) }' && ((waited < max_wait)); do
    sleep 10; waited=$((waited + 10))
  done
  load=$(cut -d' ' -f1 /proc/loadavg)
  "${launcher[@]}" "$exe" "$@" </dev/null | grep -v '^#' | sed "s/^/run=$i load=$load /" | tee -a "$out"
done
# Median of every numeric key=value field, per line label ([vit], [baseline] or none).
awk '{
  label = ""; for (f = 1; f <= NF; f++) if ($f ~ /^\[.*\]$/) label = $f " ";
  for (f = 1; f <= NF; f++) if (split($f, kv, "=") == 2 && kv[2] ~ /^-?[0-9.]+$/) { key = label kv[1]; n[key]++; v[key, n[key]] = kv[2]; if (!(key in seen)) { seen[key] = 1; order[++k] = key } }
} END {
  for (i = 1; i <= k; i++) {
    key = order[i]; c = n[key]
    for (a = 1; a <= c; a++) s[a] = v[key, a] + 0
    for (a = 1; a <= c; a++) for (b = a + 1; b <= c; b++) if (s[b] < s[a]) { t = s[a]; s[a] = s[b]; s[b] = t }
    med = (c % 2) ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
    printf "median %s=%g (n=%d)\n", key, med, c
  }
}' "$out"
