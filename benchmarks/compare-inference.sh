#!/usr/bin/env bash
# Paired, alternating inference runs of TorchSharp and ONNX Runtime on one model folder, each engine in its own
# process (the ONNX Runtime processes never load libtorch). Every round runs each engine once per batch size, in an
# order that rotates from round to round; the ratios are taken within a round (so slow phases of a busy machine hit
# both sides of a ratio), then their median is printed.
#   usage: benchmarks/compare-inference.sh ROUNDS MODEL_DIR [ENGINE ...]
#   ENGINE: torch, or an ONNX file name inside MODEL_DIR (default: torch, peer.onnx when it exists, model.onnx,
#           model-opset17.onnx, model-ort-attention.onnx); the first ONNX file is the denominator of every onnx ratio
#           (so by default every graph is compared with PyTorch's exporter's).
#   env:    COMMAND (default inference; embed compares embeddings: engines torch and model-embeddings.onnx),
#           BATCHES (default "1 256"), THREADS (default 2), STEPS_1 / STEPS_N (timed steps at batch 1 / larger; torch at
#           batch 1: STEPS_1_TORCH, default 500), WARMUP_1 / WARMUP_N (untimed runs first, default 50 / 3).
#   e.g.    benchmarks/Vit.Benchmarks/bin/Release/net10.0/Vit.Benchmarks export-onnx --out /tmp/vit-default \
#             --depth 6 --dim 128 --heads 4 --mlp-ratio 2 --patch 7 --image 28 --channels 1 --classes 10 --pooling mean
#           benchmarks/compare-inference.sh 5 /tmp/vit-default
set -euo pipefail
rounds=$1; dir=$2; shift 2
here="$(cd "$(dirname "$0")" && pwd)"
exe="$here/Vit.Benchmarks/bin/Release/net10.0/Vit.Benchmarks"
[[ -x "$exe" ]] || dotnet build "$here/Vit.Benchmarks" -c Release >/dev/null
engines=("$@")
if ((${#engines[@]} == 0)); then
  engines=(torch)
  [[ -f "$dir/peer.onnx" ]] && engines+=(peer.onnx)
  engines+=(model.onnx model-opset17.onnx model-ort-attention.onnx)
fi
threads=${THREADS:-2}
command=${COMMAND:-inference}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); flags: $(grep -o 'avx512[a-z_0-9]*\|avx2\|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')"
for ((r = 1; r <= rounds; r++)); do
  for batch in ${BATCHES:-1 256}; do
    if ((batch == 1)); then steps=${STEPS_1:-2000}; tsteps=${STEPS_1_TORCH:-500}; warm=${WARMUP_1:-50}; else steps=${STEPS_N:-20}; tsteps=$steps; warm=${WARMUP_N:-3}; fi
    n=${#engines[@]}
    for ((k = 0; k < n; k++)); do
      e=${engines[$(( (k + r) % n ))]}
      load=$(cut -d' ' -f1 /proc/loadavg)
      if [[ $e == torch ]]; then
        line=$("$exe" "$command" --engine torch --model-dir "$dir" --batch "$batch" --steps "$tsteps" --warmup "$warm" --threads "$threads" | grep '^images_per_second')
      else
        line=$("$exe" "$command" --engine onnx --model-dir "$dir" --onnx-file "$e" --batch "$batch" --steps "$steps" --warmup "$warm" --threads "$threads" 2>/dev/null | grep '^images_per_second')
        grep -q 'libtorch_loaded=false' <<<"$line" || { echo "the ONNX Runtime process loaded libtorch: $line" >&2; exit 1; }
      fi
      ips=$(sed 's/.*images_per_second=\([0-9.]*\).*/\1/' <<<"$line")
      echo "round=$r batch=$batch engine=$e load=$load images_per_second=$ips" | tee -a "$out"
    done
  done
done
# Per round and batch: each engine's throughput over the reference (the first ONNX file, and torch); then medians.
ref=""
for e in "${engines[@]}"; do [[ $e != torch ]] && { ref=$e; break; }; done
awk -v ref="$ref" '
  { split($2, b, "="); split($3, e, "="); split($1, r, "="); split($5, v, "="); ips[r[2], b[2], e[2]] = v[2]; batches[b[2]] = 1; names[e[2]] = 1; rounds[r[2]] = 1 }
  END {
    for (bb in batches) for (nn in names) {
      c = 0; split("", s); t = 0
      for (rr in rounds) { x = ips[rr, bb, nn]; if (x == "") continue; s[++c] = x + 0 }
      for (a = 1; a <= c; a++) for (z = a + 1; z <= c; z++) if (s[z] < s[a]) { tmp = s[a]; s[a] = s[z]; s[z] = tmp }
      printf "median batch=%s engine=%s images_per_second=%g (n=%d)\n", bb, nn, (c % 2) ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2, c
    }
    for (bb in batches) for (nn in names) for (dd in names) {
      if (nn == dd || (dd != "torch" && dd != ref)) continue
      c = 0; split("", s)
      for (rr in rounds) { x = ips[rr, bb, nn]; y = ips[rr, bb, dd]; if (x == "" || y == "" || y == 0) continue; s[++c] = x / y }
      if (c == 0) continue
      for (a = 1; a <= c; a++) for (z = a + 1; z <= c; z++) if (s[z] < s[a]) { tmp = s[a]; s[a] = s[z]; s[z] = tmp }
      printf "ratio batch=%s %s_over_%s=%.3f (median of %d paired rounds, min %.3f max %.3f)\n", bb, nn, dd, (c % 2) ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2, c, s[1], s[c]
    }
  }' "$out" | sort
