#!/bin/bash
# Submission load on waybilld (issue 5): wrk (Debian's `wrk`, C, epoll) keeps
# CONNECTIONS keep-alive connections posting signed in-toto envelopes to
# POST /v1/entries for SECONDS, against a waybilld on 127.0.0.1 with a
# --policy, so that every submission's signature is verified before it is
# appended. Prints accepted (201) submissions per second and wrk's latency
# percentiles, and a line against the issue's target.
#
#   bench/server-bench.sh BUILD_DIR [CONNECTIONS] [SECONDS] [ENVELOPES]
#
# BUILD_DIR holds src/cli/waybill and src/server/waybilld. Client and server
# share the machine's cores (2 here): the figure is for both together.
# With WB_BENCH_STORE set to a libpq connection string, the ledger's entries
# go to that PostgreSQL database instead of SQLite (make bench starts a
# throwaway one with tests/pg/with-postgres.sh); WAYBILLD_ARGS adds server
# options (e.g. --log-batches).
set -euo pipefail
build=$(readlink -f "${1:?usage: server-bench.sh BUILD_DIR [CONNECTIONS] [SECONDS] [ENVELOPES]}")
conns=${2:-64}
seconds=${3:-60}
nenv=${4:-512}
waybill=$build/src/cli/waybill
waybilld=$build/src/server/waybilld
command -v wrk >/dev/null || { echo "server-bench: wrk is missing (apt-get install wrk)" >&2; exit 2; }
work=$(mktemp -d)
server=
cleanup() {
    [ -n "$server" ] && kill -9 "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

"$waybill" keygen --out log >/dev/null 2>&1
"$waybill" keygen --out release >/dev/null 2>&1
store_args=()
[ -n "${WB_BENCH_STORE:-}" ] && store_args=(--store "$WB_BENCH_STORE")
"$waybill" log init --ledger ledger --origin bench.example/log --key log.key "${store_args[@]}" >log.vkey
"$waybill" token new --party bench --roles submit >token.txt
token=$(sed -n 1p token.txt)
sed -n 2p token.txt >tokens
chmod 600 tokens
cat >policy.json <<'JSON'
{"version": 1, "rules": [{"predicateType": "https://waybill.dev/bench/v1", "keys": ["release.pub"], "threshold": 1}]}
JSON
mkdir env
for ((i = 0; i < nenv; i++)); do
    printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"artifact-%d.bin","digest":{"sha256":"%064x"}}],"predicateType":"https://waybill.dev/bench/v1","predicate":{"n":%d}}' \
        $i $i $i >st.json
    "$waybill" envelope sign --key release.key --payload-type application/vnd.in-toto+json \
        --out env/$i.json st.json >/dev/null 2>&1
done

"$waybilld" --ledger ledger "${store_args[@]}" --listen 127.0.0.1:0 --tokens tokens --policy policy.json ${WAYBILLD_ARGS:-} \
    2>server.log &
server=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/.* (port \([0-9]*\)).*/\1/p' server.log | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "server-bench: waybilld did not start:" >&2; cat server.log >&2; exit 1; }

# The requests are formatted once, in each thread's init; there is no
# response() callback, which would make wrk hand every answer's headers and
# body to Lua: wrk counts answers outside 2xx by itself ("Non-2xx"), and the
# only 2xx that POST /v1/entries gives is 201.
cat >post.lua <<LUA
local count = $nenv
local requests = {}
local n = 0
init = function(args)
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Bearer $token"
  wrk.headers["Content-Type"] = "application/json"
  for i = 0, count - 1 do
    local f = assert(io.open("env/" .. i .. ".json", "rb"))
    requests[i] = wrk.format(nil, "/v1/entries", nil, f:read("*a"))
    f:close()
  end
end
request = function()
  n = n + 1
  return requests[n % count]
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors %d\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
echo "server bench: ${WB_BENCH_STORE:+PostgreSQL store, }$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $conns connections, ${seconds}s, policy-verified submissions"
wrk -t2 -c"$conns" -d"${seconds}s" --timeout 10s --latency -s post.lua "http://127.0.0.1:$port" | tee wrk.out
kill -TERM "$server"
wait "$server" || true
server=
rate=$(awk '/^Requests\/sec:/ {print $2}' wrk.out)
non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' wrk.out)
p50=$(awk '$1 == "50%" {print $2}' wrk.out)
p99=$(awk '$1 == "99%" {print $2}' wrk.out)
size=$(sed -n 2p ledger/checkpoint)
echo "submissions_per_s $rate"
echo "latency_p50 $p50"
echo "latency_p99 $p99"
echo "non_201 ${non2xx:-0}"
echo "log_size $size"
"$waybill" log audit --ledger ledger "${store_args[@]}" | tail -1
