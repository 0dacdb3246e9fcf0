#!/usr/bin/env bash
# A second Docker engine on another "host", reached over TCP with TLS as a user's remote engine would be: the tests
# use it to check that the harness runs against an engine that is not the machine's own (DOCKER_HOST=tcp://...,
# DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH) and reaches the published ports at that engine's address. The host is one
# network namespace on a private bridge; dockerd runs in it (with its own containerd, data root and exec root) and
# listens on a unix socket (for this script) and on TCP 2376 with TLS (client certificates required).
# Usage:
#   bash test/hosts/engine.sh up <dir> <id> <image>...   # id 1..250: bridge rcebr<id> = 10.214.<id>.1/24, the host
#                                                        # (namespace rce<id>) = 10.214.<id>.2; each <image> is copied
#                                                        # from the machine's own engine (docker save | docker load)
#   bash test/hosts/engine.sh down <dir>                 # removes all `up` made (listed in <dir>/state); idempotent
# `up` prints one JSON line on stdout (also written to <dir>/engine.json): host, dockerHost (tcp://<host>:2376),
# certPath (DOCKER_CERT_PATH: ca.pem, cert.pem, key.pem of a client), socket (unix://..., the engine's own socket on
# this machine), namespace, images. Everything else goes to stderr; dockerd logs to <dir>/dockerd.log.
# Needs root, ip (iproute2), iptables, nsenter and unshare (util-linux), openssl, dockerd, containerd, runc and the docker CLI;
# the images are read from the engine `docker` reaches with the caller's environment (the machine's own).
# Network: traffic only ever goes to the namespace made here (and loopback); the namespace gets no default route,
# so the engine's containers reach only its own address and the host's side of the bridge.
# Exit codes: 0 done, 1 failed (the message says what; a failed `up` has already removed what it made), 2 bad usage.
set -euo pipefail

SCRIPT=${BASH_SOURCE[0]}
# ip, iptables and dockerd live in sbin, which a non-root PATH (or one a test runner passes down) may lack.
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
TLS_PORT=2376
WAIT_SECONDS=30
STOP_SECONDS=15
CERT_DAYS=30

log() { printf 'engine.sh: %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}
usage() {
  sed -n '/^# Usage:/,/^# Exit codes/p' "$SCRIPT" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Milliseconds since the epoch: the waits below poll every 100-200 ms, so whole seconds are too coarse.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The directory goes verbatim into dockerd's flags, the state file and the JSON: a plain character set means none of
# them needs quoting or escaping.
absolute_dir() {
  local dir
  dir=$(realpath -m -- "$1") || die "cannot resolve directory '$1' (realpath from coreutils is needed)"
  [[ $dir =~ ^/[A-Za-z0-9_./-]+$ ]] || die "directory '$1' may only contain letters, digits and _ . / - (it goes unquoted into flags and JSON)"
  [[ $dir != / ]] || die "the directory may not be /"
  printf '%s\n' "$dir"
}

# This engine's docker CLI, through its unix socket. The caller's DOCKER_* variables may name another engine (or
# this one over TCP): with -H unix://... a DOCKER_TLS_VERIFY=1 left in the environment would make the CLI speak TLS
# on the unix socket, so drop them all.
# engine_docker <unix-socket> <timeout-seconds> <docker arguments...>
engine_docker() {
  local sock=$1 secs=$2
  shift 2
  timeout "$secs" env -u DOCKER_HOST -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH -u DOCKER_CONTEXT docker -H "$sock" "$@"
}

# Is the process alive (a zombie is not: it has exited, only PID 1 has not reaped it yet)?
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# The engine's own daemons by the exec root on their command line (dockerd --exec-root <x>, containerd --config
# <x>/containerd/containerd.toml, containerd-shim-runc-v2 -address <x>/containerd/containerd.sock): found even when
# the pidfile is gone or the namespace was deleted by hand (the processes then keep an unnamed one alive). Only
# these names: a user's shell that merely mentions the path is not ours to kill.
engine_pids() {
  local exec=$1 p comm args
  for p in /proc/[0-9]*; do
    comm=$(cat "$p/comm" 2>/dev/null) || continue
    case $comm in dockerd | containerd | containerd-shim* | docker-proxy) ;; *) continue ;; esac
    args=$(tr '\0' '\n' <"$p/cmdline" 2>/dev/null) || continue
    if grep -qxF -e "$exec" -e "$exec/containerd/containerd.sock" -e "$exec/containerd/containerd.toml" <<<"$args"; then
      printf '%s\n' "${p#/proc/}"
    fi
  done
}

# Mount points at or under one of the given directories, deepest first (mountinfo escapes blanks as \040 etc.; the
# directories here have none, and a mount point with one is printed unescaped by printf %b).
mounts_under() {
  local mp d
  while read -r _ _ _ _ mp _; do
    mp=$(printf '%b' "$mp")
    for d in "$@"; do
      if [[ $mp == "$d" || $mp == "$d"/* ]]; then printf '%s\n' "$mp" && break; fi
    done
  done </proc/self/mountinfo | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-
}

# ---------------------------------------------------------------------------------------------------------------
# down: everything to remove is listed in <dir>/state, one record a line, written BEFORE the thing is made, so a
# failed `up` removes exactly what it had started to make, and never something that existed before it (an existing
# bridge, namespace, exec root or subnet makes `up` fail before the first record).
#   host <netns> <ip>                          (not removed: what the engine is)
#   dockerd <netns> <pidfile> <unix-socket> <exec-root> <data-root>
#   root <path>                                a directory made for the engine (its exec root, its data root)
#   netns <name> | link <name> | ipt <chain> <rule...> | rundir <path> (a directory made for them)
# ---------------------------------------------------------------------------------------------------------------
do_down() {
  local dir=$1 state=$1/state kind a rest pid n sock ids_file=
  local -a spec=() f=()
  local -a daemons=() roots=() netnses=() links=() rules=() rundirs=() killed=() ids=()
  if [[ ! -f $state ]]; then
    log "nothing to remove: no $state"
    return 0
  fi
  while read -r kind a rest; do
    case $kind in
      dockerd) daemons+=("$a $rest") ;;
      root) roots+=("$a") ;;
      netns) netnses+=("$a") ;;
      link) links+=("$a") ;;
      ipt) rules+=("$a $rest") ;;
      rundir) rundirs+=("$a") ;;
    esac
  done <"$state"
  # A root is only ever removed if it is one of the two shapes `up` makes: a corrupt or hand-edited state must not
  # turn into `rm -rf` of something else.
  for a in "${roots[@]}"; do
    [[ $a =~ ^/run/rce[0-9]{1,3}$ || $a == "$dir/data" ]] || die "$state names '$a' as a root to remove, which up never makes; fix $state"
  done

  for a in "${daemons[@]}"; do
    # f: netns pidfile socket exec-root data-root
    read -r -a f <<<"$a"
    sock=${f[2]}
    # The engine's containers, by the ids in its data root (also when dockerd is already gone).
    if [[ -d ${f[4]}/containers ]]; then
      while read -r n; do
        [[ $n =~ ^[0-9a-f]{64}$ ]] && ids+=("$n")
      done < <(ls -1 "${f[4]}/containers" 2>/dev/null)
    fi
    pid=
    if [[ -s ${f[1]} ]]; then
      pid=$(<"${f[1]}")
      # A stale pidfile may name a pid the kernel has since given to an unrelated process: only a dockerd in our
      # namespace is ours.
      if ! [[ $pid =~ ^[0-9]+$ ]] || [[ $(ip netns identify "$pid" 2>/dev/null) != "${f[0]}" ]] ||
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) != dockerd ]]; then
        pid=
      fi
    fi
    if [[ -z $pid ]]; then
      for n in $(engine_pids "${f[3]}"); do
        if [[ $(cat "/proc/$n/comm" 2>/dev/null) == dockerd ]]; then pid=$n; fi
      done
    fi
    # 1. The containers, through the engine while it still answers: it stops them, unmounts their layers and
    #    removes their network namespaces itself.
    if [[ -n $pid ]] && alive "$pid" && [[ -S ${sock#unix://} ]]; then
      n=$(engine_docker "$sock" 20 ps -aq 2>/dev/null || true)
      if [[ -n $n ]]; then
        # shellcheck disable=SC2086 # one id a line, split on purpose
        engine_docker "$sock" 60 rm -f -v $n >/dev/null 2>&1 || log "docker rm -f of the engine's containers failed; killing them below"
      fi
    fi
    # 2. dockerd: SIGTERM (it stops its containerd too), up to STOP_SECONDS, then SIGKILL.
    if [[ -n $pid ]] && alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      killed+=("$pid")
      for ((n = 0; n < STOP_SECONDS * 10; n++)); do
        alive "$pid" || break
        sleep 0.1
      done
      if alive "$pid"; then
        log "dockerd ($pid) did not stop within ${STOP_SECONDS}s of SIGTERM: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
  done

  # 3. Whatever is left: the containers' processes (found by their cgroup, which names the container id: they live
  #    in namespaces of their own, so `ip netns pids` does not see them) first, then the engine's daemons and
  #    everything in our namespace (containerd, containerd-shim-runc-v2, docker-proxy). A shim killed before its container would leave the
  #    container running, re-parented to PID 1.
  if ((${#ids[@]})); then
    ids_file=$(mktemp)
    printf '%s\n' "${ids[@]}" >"$ids_file"
  fi
  for _ in {1..30}; do
    n=0
    if [[ -n $ids_file ]]; then
      for a in $(grep -lF -f "$ids_file" /proc/[0-9]*/cgroup 2>/dev/null || true); do
        pid=${a#/proc/}
        pid=${pid%/cgroup}
        alive "$pid" || continue
        n=1
        killed+=("$pid")
        kill -9 "$pid" 2>/dev/null || true
      done
    fi
    if ((!n)); then
      for rest in "${daemons[@]}"; do
        read -r -a spec <<<"$rest"
        for pid in $(engine_pids "${spec[3]}"); do
          alive "$pid" || continue
          n=1
          killed+=("$pid")
          kill -9 "$pid" 2>/dev/null || true
        done
      done
      for a in "${netnses[@]}"; do
        [[ -e /run/netns/$a ]] || continue
        pid=$(ip netns pids "$a" 2>/dev/null || true)
        [[ -n $pid ]] || continue
        n=1
        # shellcheck disable=SC2206 # one pid a line, split on purpose
        killed+=($pid)
        xargs -r kill -9 <<<"$pid" 2>/dev/null || true
      done
    fi
    ((n)) || break
    sleep 0.1
  done
  # Leftovers of containers killed rather than removed by the engine (none after a clean stop): their cgroups
  # (rmdir removes only empty ones) and the shims' sockets in /run/containerd/s, named by containerd 1.6 as
  # sha256("<containerd socket>/moby/<container id>").
  for a in "${ids[@]}"; do
    find /sys/fs/cgroup -maxdepth 4 -type d \( -name "$a" -o -name "docker-$a.scope" \) -exec rmdir {} \; 2>/dev/null || true
    for rest in "${daemons[@]}"; do
      read -r -a spec <<<"$rest"
      n=$(printf '%s' "${spec[3]}/containerd/containerd.sock/moby/$a" | sha256sum | cut -d' ' -f1)
      rm -f "/run/containerd/s/$n"
    done
  done
  [[ -z $ids_file ]] || rm -f "$ids_file"

  # 4. Mounts under the roots (overlay layers, the containers' network namespaces in <exec-root>/netns, containerd's
  #    rootfs mounts), deepest first; lazily if busy. Then the roots, never across a mount that is still there
  #    (--one-file-system: a bind mount of something else must not be emptied).
  for _ in 1 2 3; do
    n=0
    while read -r a; do
      [[ -n $a ]] || continue
      n=1
      umount "$a" 2>/dev/null || umount -l "$a" 2>/dev/null || log "could not unmount $a"
    done < <(mounts_under "${roots[@]}")
    ((n)) || break
  done
  if [[ -z $(mounts_under "${roots[@]}") ]]; then
    for a in "${roots[@]}"; do
      [[ -e $a ]] || continue
      rm -rf --one-file-system -- "$a" 2>/dev/null || log "could not remove $a"
    done
  fi

  # 5. Namespaces, then the links in reverse order of creation (the veth before the bridge; deleting the host end of
  #    a veth also deletes its peer, even if its namespace were still held open).
  for a in "${netnses[@]}"; do
    if [[ -e /run/netns/$a ]]; then ip netns del "$a" 2>/dev/null || log "could not delete namespace $a"; fi
  done
  for ((n = ${#links[@]} - 1; n >= 0; n--)); do
    if ip link show dev "${links[n]}" >/dev/null 2>&1; then
      ip link del dev "${links[n]}" 2>/dev/null || log "could not delete link ${links[n]}"
    fi
  done
  # 6. The FORWARD rules (they carry a comment naming the engine, so -D can only match ours); a rule inserted twice
  #    is deleted twice.
  for a in "${rules[@]}"; do
    read -r -a spec <<<"$a"
    for _ in {1..5}; do
      iptables -w -C "${spec[@]}" 2>/dev/null || break
      iptables -w -D "${spec[@]}" 2>/dev/null || break
    done
  done
  # 7. dockerd was re-parented to PID 1 when `up` exited (containerd and the shims with it once dockerd was gone);
  #    until PID 1 reaps them they linger as zombies (`pgrep -a dockerd` still lists them). Give it up to 5 s, so
  #    that a caller checking the host right after `down` sees it clean.
  for _ in {1..50}; do
    n=0
    for pid in "${killed[@]}"; do
      if [[ -e /proc/$pid ]]; then n=1 && break; fi
    done
    ((n)) || break
    sleep 0.1
  done
  # 8. The directories `up` had to make, only once nothing uses them: /run/netns is shared with every other user of
  #    `ip netns` (test/hosts/deployment.sh too), so not while any of their bridges exists (an `up` makes its bridge
  #    first), and only once empty: `ip netns add` made it and bind-mounted it onto itself, so unmount before rmdir.
  if ip -o link show type bridge 2>/dev/null | grep -Eq '^[0-9]+: rc(e)?br[0-9]+[:@]'; then rundirs=(); fi
  for a in "${rundirs[@]}"; do
    [[ -d $a ]] || continue
    if [[ -n $(ls -A "$a" 2>/dev/null) ]]; then continue; fi
    if [[ $a == /run/netns ]] && mountpoint -q "$a"; then umount "$a" 2>/dev/null || continue; fi
    rmdir "$a" 2>/dev/null || true
  done

  # Check that it is really all gone before forgetting about it: a kept state lets a second `down` try again.
  n=0
  for pid in "${killed[@]}"; do
    if alive "$pid"; then log "process $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) is still running" && n=1; fi
    # A zombie is only PID 1's to reap: say so, but it is no reason to keep the state.
    if [[ -e /proc/$pid ]] && ! alive "$pid"; then log "process $pid exited but PID 1 has not reaped it yet (a zombie)"; fi
  done
  while read -r a; do [[ -z $a ]] || { log "$a is still mounted" && n=1; }; done < <(mounts_under "${roots[@]}")
  for a in "${roots[@]}"; do [[ ! -e $a ]] || { log "$a is still there" && n=1; }; done
  for a in "${netnses[@]}"; do [[ ! -e /run/netns/$a ]] || { log "namespace $a is still there" && n=1; }; done
  for a in "${links[@]}"; do ! ip link show dev "$a" >/dev/null 2>&1 || { log "link $a is still there" && n=1; }; done
  for a in "${rules[@]}"; do
    read -r -a spec <<<"$a"
    ! iptables -w -C "${spec[@]}" 2>/dev/null || { log "iptables rule '${spec[*]}' is still there" && n=1; }
  done
  if ((n)); then
    log "down left the above behind; $state is kept, run down again"
    return 1
  fi
  rm -f "$state"
  log "removed the engine in $dir"
}

# ---------------------------------------------------------------------------------------------------------------
# up
# ---------------------------------------------------------------------------------------------------------------
UP_DIR=
UP_DONE=0
# On any failure after the first record (set -e, a timeout, Ctrl-C) remove what was made, then exit non-zero.
on_exit() {
  local rc=$?
  if [[ -n $UP_DIR && $UP_DONE == 0 ]]; then
    log "up failed (exit $rc): removing what it made"
    do_down "$UP_DIR" || true
    ((rc)) || rc=1
  fi
  exit "$rc"
}

record() { printf '%s\n' "$*" >>"$UP_DIR/state"; }

# make_certs <certs-dir> <ip> <id>: a CA, a server certificate for <ip> and a client certificate, as dockerd's
# --tlsverify and a Docker client's DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem) expect them. P-256 keys (quick to
# make; Go and Node both take them). The CA's key is deleted once both are signed: nothing else is ever signed by it.
make_certs() {
  local certs=$1 ip=$2 id=$3 tmp
  tmp=$(mktemp -d)
  rm -rf "$certs"
  mkdir -p -m 0755 "$certs"
  printf '%s\n' '[req]' 'distinguished_name = dn' 'prompt = no' '[dn]' \
    '[ca]' 'basicConstraints = critical,CA:TRUE' 'keyUsage = critical,keyCertSign,cRLSign' \
    'subjectKeyIdentifier = hash' >"$tmp/openssl.cnf"
  printf '%s\n' 'basicConstraints = CA:FALSE' 'keyUsage = critical,digitalSignature' \
    'extendedKeyUsage = serverAuth' "subjectAltName = IP:$ip" >"$tmp/server.ext"
  printf '%s\n' 'basicConstraints = CA:FALSE' 'keyUsage = critical,digitalSignature' \
    'extendedKeyUsage = clientAuth' >"$tmp/client.ext"
  (
    umask 077
    set -e
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ca-key.pem"
    openssl req -x509 -new -config "$tmp/openssl.cnf" -extensions ca -key "$tmp/ca-key.pem" -sha256 \
      -days "$CERT_DAYS" -subj "/CN=rc-engine-$id CA" -out "$certs/ca.pem"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$certs/server-key.pem"
    openssl req -new -config "$tmp/openssl.cnf" -key "$certs/server-key.pem" -subj "/CN=$ip" -out "$tmp/server.csr"
    openssl x509 -req -in "$tmp/server.csr" -CA "$certs/ca.pem" -CAkey "$tmp/ca-key.pem" \
      -set_serial "0x$(openssl rand -hex 15)" -days "$CERT_DAYS" -sha256 -extfile "$tmp/server.ext" \
      -out "$certs/server-cert.pem" 2>/dev/null
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$certs/key.pem"
    openssl req -new -config "$tmp/openssl.cnf" -key "$certs/key.pem" -subj "/CN=rc-engine-$id client" -out "$tmp/client.csr"
    openssl x509 -req -in "$tmp/client.csr" -CA "$certs/ca.pem" -CAkey "$tmp/ca-key.pem" \
      -set_serial "0x$(openssl rand -hex 15)" -days "$CERT_DAYS" -sha256 -extfile "$tmp/client.ext" \
      -out "$certs/cert.pem" 2>/dev/null
  ) || {
    rm -rf "$tmp"
    die "openssl could not make the certificates in $certs"
  }
  rm -rf "$tmp"
  chmod 0600 "$certs/key.pem" "$certs/server-key.pem"
  chmod 0644 "$certs/ca.pem" "$certs/cert.pem" "$certs/server-cert.pem"
  openssl verify -CAfile "$certs/ca.pem" "$certs/server-cert.pem" "$certs/cert.pem" >/dev/null ||
    die "the certificates in $certs do not verify against $certs/ca.pem"
}

do_up() {
  local dir=$1 id=$2 cmd host bridge veth ns certs data exec sock tcp pidfile img start t0 line pid out
  shift 2
  local -a images=("$@")
  if ! [[ $id =~ ^[0-9]{1,3}$ ]] || ((10#$id < 1 || 10#$id > 250)); then
    die "id must be an integer 1..250, not '$id'"
  fi
  id=$((10#$id))
  host=10.214.$id.2
  bridge=rcebr$id
  veth=rce${id}v
  ns=rce$id
  certs=$dir/certs
  data=$dir/data
  # The exec root holds unix sockets (docker.sock, containerd's, the shims'): their paths are limited to 107 bytes,
  # so it is short and fixed, not under <dir>.
  exec=/run/rce$id
  sock=unix://$exec/docker.sock
  tcp=tcp://$host:$TLS_PORT
  pidfile=$dir/dockerd.pid

  # Preflight: fail before making anything.
  ((EUID == 0)) || die "up needs root (a network namespace, a bridge, iptables, dockerd)"
  for cmd in ip iptables nsenter unshare setsid openssl dockerd containerd containerd-shim-runc-v2 runc docker realpath timeout sha256sum; do
    command -v "$cmd" >/dev/null || die "'$cmd' is missing (Debian: apt-get install iproute2 iptables util-linux openssl docker.io)"
  done
  ((${#images[@]})) || log "no image given: the engine starts empty"
  for img in "${images[@]}"; do
    [[ $img =~ ^[A-Za-z0-9][A-Za-z0-9._/:@-]*$ ]] || die "'$img' is not an image name (letters, digits and . _ / : @ - only)"
  done
  if [[ -s $dir/state ]]; then die "$dir already holds an engine ($dir/state): run '$SCRIPT down $dir' first"; fi
  if ip link show dev "$bridge" >/dev/null 2>&1; then die "a link named $bridge already exists (id $id in use?)"; fi
  if ip link show dev "$veth" >/dev/null 2>&1; then die "a link named $veth already exists (id $id in use?)"; fi
  if [[ -e /run/netns/$ns ]]; then die "network namespace $ns already exists (id $id in use?)"; fi
  if [[ -e $exec ]]; then die "$exec already exists (id $id in use, or left by a failed down: remove it once nothing is mounted under it)"; fi
  if [[ -n $(ls -A "$data" 2>/dev/null) ]]; then die "$data is not empty (left by an earlier engine?): remove it first"; fi
  # 10.214.<id> is the bridge, 10.215.<id> the engine's docker0, 10.216.<id> its networks: none may clash with what
  # this machine already routes (its own engine's networks included).
  for line in "10.214.$id" "10.215.$id" "10.216.$id"; do
    if [[ -n $(ip -4 route show "$line.0/24") || -n $(ip -4 addr show to "$line.0/24") ]]; then
      die "$line.0/24 is already routed or assigned on this host: pick another id"
    fi
  done
  # The images come from the caller's engine, which must not be this one (DOCKER_HOST left pointing at it).
  case ${DOCKER_HOST:-} in *"$host"* | *"$exec"*) die "DOCKER_HOST=$DOCKER_HOST names this engine: unset it so the images come from the machine's own" ;; esac
  for img in "${images[@]}"; do
    docker image inspect "$img" >/dev/null 2>&1 || die "image $img is not in the machine's engine (docker image inspect $img fails): build it first (docker/build-images.sh)"
  done

  t0=$(now_ms)
  mkdir -p "$dir"
  UP_DIR=$dir
  : >"$dir/state"
  trap on_exit EXIT
  trap 'exit 130' INT TERM
  record "host $ns $host"

  # --- network: bridge with the host's address, one namespace + veth ----------------------------------------------
  # forward_delay 0: with STP off the port forwards at once anyway, but this makes it explicit. IPv6 is switched off
  # on everything made here: nothing uses it, and it would only add link-local chatter (RS, MLD, DAD) on the bridge.
  # No default route in the namespace: the engine and its containers reach 10.214.<id>.0/24 and nothing else.
  if [[ ! -d /run/netns ]]; then record "rundir /run/netns"; fi
  record "link $bridge"
  ip link add "$bridge" type bridge forward_delay 0
  echo 1 >"/proc/sys/net/ipv6/conf/$bridge/disable_ipv6" 2>/dev/null || true
  ip addr add "10.214.$id.1/24" dev "$bridge"
  ip link set "$bridge" up
  record "netns $ns"
  ip netns add "$ns"
  # shellcheck disable=SC2016 # $f is the inner shell's
  ip netns exec "$ns" sh -c 'for f in /proc/sys/net/ipv6/conf/*/disable_ipv6; do echo 1 >"$f"; done' 2>/dev/null || true
  record "link $veth"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  echo 1 >"/proc/sys/net/ipv6/conf/$veth/disable_ipv6" 2>/dev/null || true
  ip link set "$veth" master "$bridge" up
  ip -n "$ns" addr add "$host/24" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up

  # --- iptables FORWARD --------------------------------------------------------------------------------------------
  # The machine's engine sets FORWARD's policy to DROP, and br_netfilter (bridge-nf-call-iptables=1) sends frames
  # bridged through rcebr<id> through FORWARD too; so the bridge gets its own ACCEPT in both directions, at the top
  # (before DOCKER-USER / DOCKER-ISOLATION-*). The comment names the engine so `down` deletes exactly these rules.
  # The engine's own iptables rules (--iptables=true) go into the namespace's tables, not these.
  local -a rule
  for line in "-i $bridge" "-o $bridge"; do
    read -r -a rule <<<"FORWARD $line -m comment --comment rc-engine-$id -j ACCEPT"
    record "ipt ${rule[*]}"
    iptables -w -I "${rule[0]}" 1 "${rule[@]:1}"
  done

  # --- TLS ---------------------------------------------------------------------------------------------------------
  make_certs "$certs" "$host" "$id"

  # --- dockerd -----------------------------------------------------------------------------------------------------
  # nsenter --net, not `ip netns exec`: that one also unshares the mount namespace and remounts /sys, where dockerd
  # then finds no cgroups. Only the network is the namespace's: files, mounts and cgroups are the machine's, so
  # everything dockerd keeps is redirected away from the machine's engine:
  #   --data-root / --exec-root   (its containerd's root and state, the shims' and runc's state, the containers'
  #                                network namespaces go under these too),
  #   --pidfile, --config-file    (an empty one: the machine's /etc/docker/daemon.json is not this engine's),
  #   --deprecated-key-path       (its own identity: dockerd 20.10 otherwise shares /etc/docker/key.json, so both
  #                                engines would report the same ID in `docker info`),
  #   --bip, --default-address-pool   (docker0 in the namespace and its user-defined networks: 10.215.<id>.0/24 and
  #                                10.216.<id>.0/24 in /28s, clear of the machine's 172.17.0.0/16 and its pools),
  #   --ip                        (where a published port binds when no address is given: the host's own address).
  # --iptables=true works on the namespace's own tables; MASQUERADE there lets its containers reach 10.214.<id>.1.
  # setsid: dockerd outlives this script, so it gets a session of its own (no SIGINT/SIGHUP from our terminal).
  # unshare --mount: a mount namespace of its own (slave: it still sees the machine's mounts), where its own socket is
  # bound over /var/run/docker.sock once it listens, as on a host of its own: a container that mounts the engine's
  # socket by that path (the reaper) gets this engine, not the machine's. Its containers' mounts stay in it too.
  rm -f "$pidfile" "$dir/engine.json"
  printf '{"deprecated-key-path": "%s"}\n' "$dir/key.json" >"$dir/daemon.json"
  record "root $exec"
  record "root $data"
  record "dockerd $ns $pidfile $sock $exec $data"
  mkdir -p -m 0700 "$exec" "$data"
  log "starting dockerd in $ns (log: $dir/dockerd.log)"
  setsid nsenter --net="/var/run/netns/$ns" -- unshare --mount --propagation slave -- dockerd \
    --config-file "$dir/daemon.json" \
    --data-root "$data" \
    --exec-root "$exec" \
    --pidfile "$pidfile" \
    -H "$sock" \
    -H "$tcp" \
    --tlsverify --tlscacert "$certs/ca.pem" --tlscert "$certs/server-cert.pem" --tlskey "$certs/server-key.pem" \
    --storage-driver overlay2 \
    --bip "10.215.$id.1/24" \
    --default-address-pool "base=10.216.$id.0/24,size=28" \
    --iptables=true \
    --ip "$host" \
    </dev/null >"$dir/dockerd.log" 2>&1 &
  pid=$!

  # Wait for the TLS endpoint to answer as a client would reach it (this also proves the certificates: the server's
  # name is its IP SAN, and the engine demands the client's certificate).
  start=$(now_ms)
  while :; do
    if out=$(env -u DOCKER_CONTEXT timeout 5 docker --tlsverify --tlscacert "$certs/ca.pem" --tlscert "$certs/cert.pem" \
      --tlskey "$certs/key.pem" -H "$tcp" version --format '{{.Server.Version}}' 2>&1); then
      break
    fi
    if ! alive "$pid"; then
      log "dockerd exited; last lines of $dir/dockerd.log:"
      tail -n 15 "$dir/dockerd.log" >&2
      exit 1
    fi
    if (($(now_ms) - start > WAIT_SECONDS * 1000)); then
      log "the engine did not answer on $tcp within ${WAIT_SECONDS}s (last answer: ${out##*$'\n'})"
      log "last lines of $dir/dockerd.log:"
      tail -n 15 "$dir/dockerd.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  log "dockerd $out answers on $tcp (TLS) after $(($(now_ms) - start)) ms"
  nsenter --target "$pid" --mount -- mount --bind "${sock#unix://}" /run/docker.sock ||
    die "could not bind the engine's socket over /run/docker.sock in its mount namespace"

  # --- images from the machine's engine --------------------------------------------------------------------------
  for img in "${images[@]}"; do
    start=$(now_ms)
    docker save "$img" | engine_docker "$sock" 300 load -q >/dev/null || die "could not copy $img into the engine (docker save | docker load)"
    engine_docker "$sock" 20 image inspect "$img" >/dev/null 2>&1 || die "$img is not in the engine after docker load"
    log "loaded $img in $(($(now_ms) - start)) ms"
  done

  # --- describe it -------------------------------------------------------------------------------------------------
  local json list=
  for img in "${images[@]}"; do list+=${list:+,}\"$img\"; done
  json=$(printf '{"host":"%s","dockerHost":"%s","certPath":"%s","socket":"%s","namespace":"%s","images":[%s]}' \
    "$host" "$tcp" "$certs" "$sock" "$ns" "$list")
  printf '%s\n' "$json" >"$dir/engine.json"
  UP_DONE=1
  log "up in $(($(now_ms) - t0)) ms: engine at $tcp (namespace $ns, bridge $bridge); remove it with: bash $SCRIPT down $dir"
  printf '%s\n' "$json"
}

main() {
  (($# >= 2)) || usage
  local cmd=$1 dir
  dir=$(absolute_dir "$2")
  case $cmd in
    up)
      (($# >= 3)) || usage
      shift 2
      do_up "$dir" "$@"
      ;;
    down)
      (($# == 2)) || usage
      ((EUID == 0)) || die "down needs root"
      do_down "$dir"
      ;;
    *) usage ;;
  esac
}

main "$@"
