#!/usr/bin/env bash
# A user's own Sentinel deployment as containers on a Docker engine (a master, a replica, three Sentinels, host
# networking at the engine's address), started with the docker CLI by this script, not by the harness: what a target
# with control "docker" acts on. The engine is test/hosts/engine.sh's (its unix socket); nothing is reached but it.
#
#   bash test/hosts/container-deployment.sh up <socket> <ip> <image>   # prints the container names, one per line
#   bash test/hosts/container-deployment.sh down <socket>              # removes every container it made
set -euo pipefail

cmd=${1:-}
sock=${2:-}
[ -n "$cmd" ] && [ -n "$sock" ] || { echo "usage: $0 up <socket> <ip> <image> | down <socket>" >&2; exit 2; }
# The socket as the docker CLI takes it; the caller's DOCKER_* must not send it elsewhere.
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH
d() { docker -H "unix://${sock#unix://}" "$@"; }
LABEL=rc-container-deployment

case "$cmd" in
up)
  ip=${3:?ip}
  image=${4:?image}
  # Host networking: each server listens on the engine host's own address, as a plain install on that host would.
  d run -d --name u-redis-0 --label "$LABEL" --network host "$image" \
    redis-server --bind "$ip" --port 6379 --protected-mode no --save '' --appendonly no --repl-diskless-sync-delay 0 >/dev/null
  d run -d --name u-redis-1 --label "$LABEL" --network host "$image" \
    redis-server --bind "$ip" --port 6380 --protected-mode no --save '' --appendonly no --repl-diskless-sync-delay 0 --replicaof "$ip" 6379 >/dev/null
  for i in 0 1 2; do
    port=$((26379 + i))
    conf="port $port\nbind $ip\nsentinel monitor mymaster $ip 6379 2\nsentinel down-after-milliseconds mymaster 3000\nsentinel failover-timeout mymaster 10000\n"
    d run -d --name "u-sentinel-$i" --label "$LABEL" --network host "$image" \
      sh -c "printf '$conf' > /tmp/sentinel.conf && exec redis-sentinel /tmp/sentinel.conf" >/dev/null
  done
  # Ready: the replica linked, every Sentinel seeing the master with its replica and the two other Sentinels.
  ready() {
    d exec u-redis-1 redis-cli -h "$ip" -p 6380 info replication | grep -q master_link_status:up || return 1
    for i in 0 1 2; do
      d exec "u-sentinel-$i" redis-cli -h "$ip" -p $((26379 + i)) sentinel master mymaster | tr -d '\r' | paste - - |
        grep -q $'^num-other-sentinels\t2$' || return 1
    done
  }
  for _ in $(seq 1 60); do
    if ready; then
      d ps --filter "label=$LABEL" --format '{{.Names}}'
      exit 0
    fi
    sleep 0.5
  done
  echo "container-deployment.sh: the deployment did not come up within 30 s" >&2
  d ps -aq --filter "label=$LABEL" | xargs -r docker -H "unix://${sock#unix://}" rm -f >/dev/null
  exit 1
  ;;
down)
  d ps -aq --filter "label=$LABEL" | xargs -r docker -H "unix://${sock#unix://}" rm -f >/dev/null || true
  ;;
*)
  echo "usage: $0 up <socket> <ip> <image> | down <socket>" >&2
  exit 2
  ;;
esac
