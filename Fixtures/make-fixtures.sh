#!/usr/bin/env bash
# Regenerates the fixture chaos sessions and their expectation files from a seeded clean
# session. Run from the repository root after a change to the tape format, the chaos transform
# or the rules, review the expectation diffs, and commit them together with the change.
# The auth-expire session is recorded live (through `ticktape simulate`), so its counts differ
# from one regeneration to the next; its bounds say what must hold.
# Each expectation file carries the run's consumers and speed (`consumer:` and `speed:` lines)
# and hand-written bounds (`<=`, `>=`); --update-expect keeps those and rewrites exact counts.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product ticktape >/dev/null
T=.build/debug/ticktape
F=Fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$T _synth --out "$tmp/clean.tape" --seconds 60 --rate 40 --symbols 4 --seed 11 >/dev/null

make() { # name, chaos flags...
    local name=$1; shift
    rm -f "$F/$name.tape"
    $T chaos "$tmp/clean.tape" --out "$F/$name.tape" "$@" >/dev/null
    $T check "$F/$name.tape" --expect "$F/$name.expect" --update-expect >/dev/null
    echo "$name: $(du -k "$F/$name.tape" | cut -f1) KiB"
}

make reconnect-storm --seed 1 --cut every:4s --gap 100ms --stale-snapshot 0.3
make network-cut --seed 2 --blackhole every:20s,for:5s --gap 1s
make dup-reorder --seed 3 --dup 0.03,window:5 --reorder 6
make stale-epoch-tail --seed 4 --cut every:15s --gap 300ms --stale-epoch 5
make slow-consumer --seed 5 --cut every:20s --gap 200ms --dup 0.01

# A private session recorded through the simulator's auth faults: every 5 s the private
# connection is ended as an expired token ends it, and the recorder comes back with a fresh
# token each time (one epoch per token). Real time: this one takes about 30 s.
record_private() { # name
    local name=$1 access=AKfixtureaccesskey secret=SKfixturesecretkey
    rm -f "$F/$name.tape"
    $T simulate --symbols 2 --rate 40 --seed 6 --private-keys "$access:$secret" \
        --chaos 'auth-expire every:5s' --duration 40s >"$tmp/simulate.out" &
    local simulator=$!
    until grep -q '^listening on ' "$tmp/simulate.out" 2>/dev/null; do sleep 0.1; done
    local url
    url=$(sed -n 's/^listening on //p' "$tmp/simulate.out")
    UPBIT_ACCESS_KEY=$access UPBIT_SECRET_KEY=$secret $T record "$url" --out "$F/$name.tape" --private \
        --upbit 'myOrder:KRW-BTC,KRW-ETH;myAsset' --duration 30s >/dev/null
    kill "$simulator"; wait "$simulator" || true
    if grep -q -a -e "$access" -e "$secret" -e Bearer "$F/$name.tape"; then echo "$name: credentials in the tape" >&2; exit 1; fi
    $T check "$F/$name.tape" --expect "$F/$name.expect" --update-expect >/dev/null
    echo "$name: $(du -k "$F/$name.tape" | cut -f1) KiB"
}

record_private auth-expire
