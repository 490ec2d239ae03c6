#!/usr/bin/env bash
# Builds ordertrack and runs its benchmark on this machine: raw JetStream
# baseline, the NATS-only ceiling for the pipeline's work per event,
# pipeline throughput (spread: every event of an order in another batch,
# the headline, and spread again with sla.warn_at [0.5, 0.75] beside it; then
# interleaved), the cost of sla.predict (spread with learned-risk
# predictions on against off, alternating rounds), latency at a fixed rate
# (and the NATS-only loop at the same rate: its stores sent at once, then in
# the pipeline's commit order),
# SLA breach lateness, memory with open orders, the what-if replay (engine
# in memory, and from ORDER_EVENTS against an ordered consumer alone), and
# the Kafka and HTTP
# sources against direct publishing. Takes several minutes by default
# (each phase prints its time as it ends).
#
#   scripts/bench.sh                      # full run, table on stdout
#   scripts/bench.sh --json > bench.json  # machine-readable report
#   scripts/bench.sh --phases throughput --cpuprofile cpu.pprof
#   scripts/bench.sh --phases http       # HTTP source: 8 clients, 100 events a request
#   scripts/bench.sh --phases predict    # sla.predict on vs off, model memory and KV writes
#
# Every argument is passed to 'ordertrack bench' (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(mktemp -d)/ordertrack"
trap 'rm -rf "$(dirname "$bin")"' EXIT
# -tags benchkafka links the kafka phase's in-process Kafka cluster (kfake),
# which the production binary leaves out.
go build -tags benchkafka -o "$bin" ./cmd/ordertrack
"$bin" bench "$@"
