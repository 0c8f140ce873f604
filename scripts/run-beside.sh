#!/usr/bin/env bash
# Runs two test commands at once and fails if either fails. The scenarios spend their wall time
# waiting for sped-up site time to pass (a few per cent of a core each), so they run beside the
# CPU-bound main suite instead of after it: minutes off the suite, nothing judged differently
# (scenarios judge in scenario time, within half a scenario minute).
set -uo pipefail
bash -c "$1" &
first=$!
bash -c "$2"
second=$?
wait "$first"
first_status=$?
if [ "$first_status" -ne 0 ]; then echo "failed: $1" >&2; fi
if [ "$second" -ne 0 ]; then echo "failed: $2" >&2; fi
[ "$first_status" -eq 0 ] && [ "$second" -eq 0 ]
