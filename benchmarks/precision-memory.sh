#!/usr/bin/env bash
# Peak resident memory of the Trainer in fp32 and in a lower precision, each in its own process (VmHWM is per
# process, so two trainers sharing one process cannot be told apart), alternating fp32 / precision RUNS times.
# Prints each run's result lines, the median peak_rss_mb and images_per_second of each, and their ratios.
#   usage: benchmarks/precision-memory.sh RUNS PRECISION [train-step options...]
#   e.g.   benchmarks/precision-memory.sh 3 bfloat16 --steps 3 --warmup 1
set -euo pipefail
runs=$1; precision=$2; shift 2
here="$(cd "$(dirname "$0")" && pwd)"
exe="$here/Vit.Benchmarks/bin/Release/net10.0/Vit.Benchmarks"
[[ -x "$exe" ]] || dotnet build "$here/Vit.Benchmarks" -c Release >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((i = 1; i <= runs; i++)); do
  for p in float32 "$precision"; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    args=(train-step --precision "$p" "$@")
    [[ $p != float32 ]] && args+=(--no-peer)
    "$exe" "${args[@]}" </dev/null | awk '!/^#/ || /^# cpu=/' | sed "s/^/run=$i precision=$p load=$load /" | tee -a "$out"
  done
done
awk -v p="$precision" '{
  for (f = 1; f <= NF; f++) { split($f, kv, "="); if (kv[1] == "precision") q = kv[2]; if (kv[1] == "peak_rss_mb") r[q, ++nr[q]] = kv[2]; if (kv[1] == "images_per_second") s[q, ++ns[q]] = kv[2] }
} function median(a, q, n,   i, j, t, v) { for (i = 1; i <= n; i++) v[i] = a[q, i] + 0; for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }; return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
END {
  r32 = median(r, "float32", nr["float32"]); rp = median(r, p, nr[p]); s32 = median(s, "float32", ns["float32"]); sp = median(s, p, ns[p])
  printf "median float32 peak_rss_mb=%g images_per_second=%g (n=%d)\n", r32, s32, nr["float32"]
  printf "median %s peak_rss_mb=%g images_per_second=%g (n=%d)\n", p, rp, sp, nr[p]
  printf "%s_over_float32 peak_rss=%.3f images_per_second=%.3f (separate processes)\n", p, rp / r32, sp / s32
}' "$out"
