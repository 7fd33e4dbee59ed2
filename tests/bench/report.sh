#!/bin/bash
for n in "${@:3}"; do grep -a '^@@OUT bench ' "$1/vm/$n/results.log" | tr -d '\r' | sed 's/^@@OUT bench //'; done
