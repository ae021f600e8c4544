#!/usr/bin/env bash
# Paired, alternating runs of the data-parallel update benchmark: 1 process x 1 thread, then mpirun -np 2 (1 thread
# per rank) on the same per-rank batch, then (the control) two independent 1-process runs at the same time: what two
# processes computing at once cost without any MPI. PAIRS times; every result line gets the load average at its start.
#   usage: benchmarks/dp-step-pairs.sh PAIRS [dp-step options, e.g. --batch 32 --steps 6]
set -euo pipefail
pairs=$1; shift
here="$(cd "$(dirname "$0")" && pwd)"
dll="$here/Vit.Benchmarks/bin/Release/net10.0/Vit.Benchmarks.dll"
[[ -f "$dll" ]] || dotnet build "$here/Vit.Benchmarks" -c Release >/dev/null
# mpirun gives its ranks a pseudo-terminal, on which .NET writes terminal set-up codes before the first line.
export TERM=dumb OMP_NUM_THREADS=1
for ((i = 1; i <= pairs; i++)); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  dotnet "$dll" dp-step "$@" </dev/null | grep -v '^#' | sed "s/^/pair=$i load=$load /"
  load=$(cut -d' ' -f1 /proc/loadavg)
  mpirun --allow-run-as-root --oversubscribe --mca mpi_yield_when_idle 1 -np 2 dotnet "$dll" dp-step "$@" </dev/null \
    | grep -v '^#' | sed "s/^/pair=$i load=$load /"
  load=$(cut -d' ' -f1 /proc/loadavg)
  dotnet "$dll" dp-step "$@" </dev/null | grep -v '^#' | sed "s/^/pair=$i load=$load concurrent=a /" &
  dotnet "$dll" dp-step "$@" </dev/null | grep -v '^#' | sed "s/^/pair=$i load=$load concurrent=b /"
  wait
done
