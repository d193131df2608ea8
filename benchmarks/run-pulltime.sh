#!/usr/bin/env bash
# Pull-time benchmarks: time from "pull" to the first successful run of a program, full pull
# (containerd's way) vs `lazypull mount`, through an emulated link. Writes the JMH results, the
# per-run log, a markdown table, JSON and a PNG plot under the results directory.
#
#   benchmarks/run-pulltime.sh                       # 1 Gbit/s, 10 ms RTT, 5 runs per case
#   RATE=100mbit RTT=40ms RUNS=3 benchmarks/run-pulltime.sh
#   STACK=only METHODS=ctr,ctr-lazy,full,agent RUNS=3 benchmarks/run-pulltime.sh
#                                                    # the 1.4 GB image (issues 10 and 12), cold
#
# Needs root (page-cache drops, overlay and FUSE mounts, chroot), /dev/fuse, docker-registry,
# skopeo, umoci and debootstrap (the Debian test images are built on first use, then cached).
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-1gbit}
RTT=${RTT:-10ms}
RUNS=${RUNS:-5}
METHODS=${METHODS:-ctr,full,ctr-lazy,lazy,agent}
RELATED=${RELATED:-yes}
# yes: also the 1.4 GB stack image (python3 + scipy, pandas, matplotlib, ...; built on first use,
# minutes); only: the stack image, plus bash -c true on python beside it (flat in image size?)
STACK=${STACK:-no}
RESULTS=${RESULTS:-benchmarks/results/pulltime-$(date -u +%Y%m%dT%H%M%SZ)}
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}

if [ "$(id -u)" != 0 ]; then
  echo "run-pulltime.sh needs root: it drops the page cache and mounts overlayfs and FUSE file systems" >&2
  exit 2
fi
mkdir -p "$RESULTS"
export LAZYPULL_BENCH_RESULTS="$(realpath "$RESULTS")"

if [ -z "${SKIP_BUILD:-}" ]; then
  echo "building benchmarks/target/benchmarks.jar ..."
  ./mvnw -q -B -DskipTests -pl benchmarks -am package
fi

# JAVA_OPTS, e.g. -Djmh.ignoreLock=true when another JMH run holds /tmp/jmh.lock on a shared machine.
# JAR: run a copy, so that a rebuild during the run cannot change the classes under it.
JAR=${JAR:-benchmarks/target/benchmarks.jar}
java=("$JAVA_HOME/bin/java" ${JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED -jar "$JAR")
jmh=(-i "$RUNS" -p "rate=$RATE" -p "rtt=$RTT" -p "method=$METHODS" -foe true -rf json)

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); link $RATE, RTT $RTT; $RUNS runs per case; methods $METHODS; stack $STACK"
if [ "$STACK" != no ]; then
  # Side by side in one run: the lazy mount alone (RecordedStartBenchmark: without and with the
  # recorded list, and warm), then containerd's pull against containerd + agent on the same image.
  # RecordedStartBenchmark's link rate is fixed at 1 Gbit/s; it takes the RTT.
  "${java[@]}" 'lazyfs\.RecordedStartBenchmark\.importStack' -i "$RUNS" -p "rtt=$RTT" -foe true -rf json \
    -rff "$RESULTS/jmh-recorded-start-stack.json" | tee "$RESULTS/jmh-recorded-start-stack.log"
  "${java[@]}" 'pulltime\.PullTimeBenchmark' "${jmh[@]}" -p image=stack -p workload=bash,stack -p cache=cold \
    -rff "$RESULTS/jmh-stack.json" | tee "$RESULTS/jmh-stack.log"
fi
if [ "$STACK" = only ]; then
  "${java[@]}" 'pulltime\.PullTimeBenchmark' "${jmh[@]}" -p image=python -p workload=bash -p cache=cold \
    -rff "$RESULTS/jmh-python.json" | tee "$RESULTS/jmh-python.log"
  "$JAVA_HOME/bin/java" -cp "$JAR" dev.lazypull.benchmarks.pulltime.PullTimeReport \
    "$RESULTS" "link $RATE, $RTT RTT (user-space emulator in front of docker-registry on loopback), $RUNS runs per case, command: STACK=only RATE=$RATE RTT=$RTT RUNS=$RUNS METHODS=$METHODS benchmarks/run-pulltime.sh"
  exit 0
fi
# The largest image first: its cases are the goals' (and the ones worth having if a run is cut short).
"${java[@]}" 'pulltime\.PullTimeBenchmark' "${jmh[@]}" -p image=python -p workload=bash,numpy \
  -rff "$RESULTS/jmh-python.json" | tee "$RESULTS/jmh-python.log"
"${java[@]}" 'pulltime\.PullTimeBenchmark' "${jmh[@]}" -p image=minbase -p workload=bash \
  -rff "$RESULTS/jmh-minbase.json" | tee "$RESULTS/jmh-minbase.log"
if [ "$RELATED" = yes ]; then
  "${java[@]}" 'pulltime\.RelatedImageBenchmark' "${jmh[@]}" -p workload=bash,numpy \
    -rff "$RESULTS/jmh-related.json" | tee "$RESULTS/jmh-related.log"
fi

"$JAVA_HOME/bin/java" -cp "$JAR" dev.lazypull.benchmarks.pulltime.PullTimeReport \
  "$RESULTS" "link $RATE, $RTT RTT (user-space emulator in front of docker-registry on loopback), $RUNS runs per case, command: RATE=$RATE RTT=$RTT RUNS=$RUNS METHODS=$METHODS RELATED=$RELATED benchmarks/run-pulltime.sh"
