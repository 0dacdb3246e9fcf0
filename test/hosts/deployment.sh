#!/usr/bin/env bash
# A user's own Redis deployment on three "hosts", started by something that is NOT the harness: the tests use it
# to check that the harness can attack a deployment it did not create (over SSH, with strict host keys) and leaves
# it as it found it. Each host is a network namespace on a private bridge, running sshd, redis-server and
# redis-sentinel (Sentinel monitors "mymaster": h0 is the master, h1 and h2 replicate from it); or, flavor
# "cluster", two cluster-mode redis-servers (ports 6379 and 6380) made into a Redis Cluster of three masters with a
# replica each by `redis-cli --cluster create` (which puts no replica on its master's host).
# Usage:
#   bash test/hosts/deployment.sh up <dir> <subnet-id> [sentinel|cluster]
#                                                        # subnet-id 1..250: bridge rcbr<id> = 10.213.<id>.1/24,
#                                                        # hosts h0 h1 h2 = 10.213.<id>.2 .3 .4 (namespaces rc<id>h0..2)
#   bash test/hosts/deployment.sh down <dir>             # removes all `up` made (listed in <dir>/state); idempotent
#   bash test/hosts/deployment.sh status <dir>           # per host: is redis-server / redis-sentinel / sshd running
# `up` prints one JSON line on stdout (also written to <dir>/deployment.json): subnet, bridge, key, knownHosts and
# per host name, namespace, ip, redisPort, sentinelPort, startRedis, startSentinel (cluster: redisPort2 and startRedis2
# instead of the Sentinel's), and flavor. Everything else goes to stderr.
# Needs root, ip (iproute2), iptables, sshd (openssh-server), redis-server, redis-sentinel, redis-cli, ssh-keygen.
# Network: traffic only ever goes to the namespaces made here (and loopback); the namespaces get no default route.
# Exit codes: 0 done, 1 failed (the message says what; a failed `up` has already removed what it made), 2 bad usage.
set -euo pipefail

SCRIPT=${BASH_SOURCE[0]}
# ip, iptables and sshd live in sbin, which a non-root PATH (or one a test runner passes down) may lack.
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
REDIS_PORT=6379
REDIS_PORT2=6380
SENTINEL_PORT=26379
WAIT_SECONDS=30

log() { printf 'deployment.sh: %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}
usage() {
  sed -n '/^# Usage:/,/^# Exit codes/p' "$SCRIPT" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Milliseconds since the epoch: the waits below poll every 100 ms, so whole seconds are too coarse.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The directory goes verbatim into sshd_config, redis.conf, the start lines and the JSON: a plain character set
# means none of them needs quoting or escaping (and a start line stays a line a user could type over SSH).
absolute_dir() {
  local dir
  dir=$(realpath -m -- "$1") || die "cannot resolve directory '$1' (realpath from coreutils is needed)"
  [[ $dir =~ ^/[A-Za-z0-9_./-]+$ ]] || die "directory '$1' may only contain letters, digits and _ . / - (it goes unquoted into config files and shell lines)"
  printf '%s\n' "$dir"
}

# ---------------------------------------------------------------------------------------------------------------
# down: everything to remove is listed in <dir>/state, one record a line, written BEFORE the thing is made, so a
# failed `up` removes exactly what it had started to make, and never something that existed before it (an existing
# bridge, namespace or subnet makes `up` fail before the first record).
#   host <name> <netns> <ip>           (not removed: the hosts `status` reports on)
#   proc <netns> <pidfile>             a daemon started in that namespace
#   netns <name> | link <name> | ipt <chain> <rule...> | rundir <path> (a directory made for them)
# ---------------------------------------------------------------------------------------------------------------
do_down() {
  local dir=$1 state=$1/state kind a rest pid n
  local -a spec=()
  local -a procs=() netnses=() links=() rules=() rundirs=() killed=()
  if [[ ! -f $state ]]; then
    log "nothing to remove: no $state"
    return 0
  fi
  while read -r kind a rest; do
    case $kind in
      proc) procs+=("$a $rest") ;;
      netns) netnses+=("$a") ;;
      link) links+=("$a") ;;
      ipt) rules+=("$a $rest") ;;
      rundir) rundirs+=("$a") ;;
    esac
  done <"$state"

  # 1. The daemons by their pidfiles, but only if that pid really lives in our namespace: a stale pidfile may name
  #    a pid the kernel has since given to an unrelated process.
  for a in "${procs[@]}"; do
    read -r n rest <<<"$a"
    [[ -s $rest ]] || continue
    pid=$(<"$rest")
    [[ $pid =~ ^[0-9]+$ ]] || continue
    if [[ $(ip netns identify "$pid" 2>/dev/null) == "$n" ]]; then
      kill -9 "$pid" 2>/dev/null || true
      killed+=("$pid")
    fi
  done
  # 2. Anything else still in the namespaces (a redis restarted by the harness, SSH sessions, their children).
  #    Until they are gone a deleted namespace (and its veth end) lives on, so wait up to ~2 s for them to exit.
  for _ in {1..20}; do
    n=0
    for a in "${netnses[@]}"; do
      [[ -e /run/netns/$a ]] || continue
      pid=$(ip netns pids "$a" 2>/dev/null || true)
      [[ -n $pid ]] || continue
      n=1
      # shellcheck disable=SC2206 # one pid a line, split on purpose
      killed+=($pid)
      xargs -r kill -9 <<<"$pid" 2>/dev/null || true
    done
    ((n)) || break
    sleep 0.1
  done
  # 3. Namespaces, then the links in reverse order of creation (veths before the bridge; deleting the host end of
  #    a veth also deletes its peer, even if its namespace were still held open).
  for a in "${netnses[@]}"; do
    if [[ -e /run/netns/$a ]]; then ip netns del "$a" 2>/dev/null || log "could not delete namespace $a"; fi
  done
  for ((n = ${#links[@]} - 1; n >= 0; n--)); do
    if ip link show dev "${links[n]}" >/dev/null 2>&1; then
      ip link del dev "${links[n]}" 2>/dev/null || log "could not delete link ${links[n]}"
    fi
  done
  # 4. The FORWARD rules (they carry a comment naming the deployment, so -D can only match ours); a rule inserted
  #    twice is deleted twice.
  for a in "${rules[@]}"; do
    read -r -a spec <<<"$a"
    for _ in {1..5}; do
      iptables -w -C "${spec[@]}" 2>/dev/null || break
      iptables -w -D "${spec[@]}" 2>/dev/null || break
    done
  done
  # 5. The daemons were re-parented to PID 1 when they forked away; until it reaps them they linger as zombies
  #    (`pgrep redis` still lists "[redis-server] <defunct>"). Give it up to 2 s, so that a caller checking the host
  #    right after `down` sees it clean.
  for _ in {1..20}; do
    n=0
    for pid in "${killed[@]}"; do
      if [[ -e /proc/$pid ]]; then n=1 && break; fi
    done
    ((n)) || break
    sleep 0.1
  done
  # 6. The directories `up` had to make, only once nothing uses them: deployments running in parallel share them,
  #    so none while another deployment's bridge exists (an `up` makes its bridge first), /run/sshd (sshd's
  #    privilege-separation directory) not while any sshd runs, /run/netns only once empty: `ip netns add` made it
  #    and bind-mounted it onto itself (a shared mount, so the namespaces mounted in it show in every mount
  #    namespace), so unmount before rmdir.
  if ip -o link show type bridge 2>/dev/null | grep -Eq '^[0-9]+: rcbr[0-9]+[:@]'; then rundirs=(); fi
  for a in "${rundirs[@]}"; do
    [[ -d $a ]] || continue
    if [[ $a == /run/sshd ]] && pgrep -x sshd >/dev/null; then continue; fi
    if [[ -n $(ls -A "$a" 2>/dev/null) ]]; then continue; fi
    if [[ $a == /run/netns ]] && mountpoint -q "$a"; then umount "$a" 2>/dev/null || continue; fi
    rmdir "$a" 2>/dev/null || true
  done

  # Check that it is really all gone before forgetting about it: a kept state lets a second `down` try again.
  n=0
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
  log "removed the deployment in $dir"
}

# ---------------------------------------------------------------------------------------------------------------
# status: one line per host, e.g. "h0 netns=rc77h0(present) ip=10.213.77.2 redis-server=running
# redis-sentinel=running sshd=running" ("stopped" otherwise; "(missing)" if the namespace is gone). Processes are
# recognised by their executable's name (comm: not fooled by a shell whose command line mentions redis-server) and
# the title they give themselves: Sentinel's ends in "[sentinel]" (also when started as `redis-server --sentinel`),
# the sshd that accepts connections is "sshd: /usr/sbin/sshd -f ... [listener] ..." (not an SSH session's sshd).
# ---------------------------------------------------------------------------------------------------------------
do_status() {
  local dir=$1 kind name ns ip pid comm cmd redis sentinel sshd nsstate
  [[ -f $dir/state ]] || die "no deployment in $dir (no $dir/state)"
  while read -r kind name ns ip; do
    [[ $kind == host ]] || continue
    redis=stopped sentinel=stopped sshd=stopped nsstate=missing
    if [[ -e /run/netns/$ns ]]; then
      nsstate=present
      for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
        comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
        cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
        case $comm:$cmd in
          redis-sentinel:* | redis-server:*"[sentinel]"*) sentinel=running ;;
          redis-server:*) redis=running ;;
          sshd:*"[listener]"*) sshd=running ;;
        esac
      done
    fi
    printf '%s netns=%s(%s) ip=%s redis-server=%s redis-sentinel=%s sshd=%s\n' \
      "$name" "$ns" "$nsstate" "$ip" "$redis" "$sentinel" "$sshd"
  done <"$dir/state"
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

# Runs one of the start lines in a namespace exactly as the harness will over SSH (sshd's shell is bash; the line
# must come back at once: the daemons fork away and close stdin/stdout, so an SSH session or a $(...) capturing
# our stdout does not hang on them).
run_in() {
  local ns=$1 line=$2
  ip netns exec "$ns" bash -c "$line" </dev/null >&2
}

# The values of "num-slaves" and "num-other-sentinels" in `SENTINEL MASTER mymaster` (alternating name/value lines).
sentinel_counts() {
  timeout 2 redis-cli -h "$1" -p "$SENTINEL_PORT" sentinel master mymaster 2>/dev/null | tr -d '\r' |
    awk 'p == "num-slaves" { s = $0 } p == "num-other-sentinels" { o = $0 } { p = $0 } END { print s + 0, o + 0 }'
}

do_up() {
  local dir=$1 sid=$2 flavor=$3 subnet bridge i ns veth hd cmd deadline line slaves others
  local -a pending=()
  local -a names=() nses=() ips=() redis_lines=() sentinel_lines=()
  if ! [[ $sid =~ ^[0-9]{1,3}$ ]] || ((10#$sid < 1 || 10#$sid > 250)); then
    die "subnet-id must be an integer 1..250, not '$sid'"
  fi
  sid=$((10#$sid))
  subnet=10.213.$sid
  bridge=rcbr$sid

  # Preflight: fail before making anything.
  ((EUID == 0)) || die "up needs root (network namespaces, a bridge, iptables)"
  local -A bin=()
  for cmd in ip iptables sshd redis-server redis-sentinel redis-cli ssh-keygen realpath timeout; do
    bin[$cmd]=$(command -v "$cmd") || die "'$cmd' is missing (Debian: apt-get install iproute2 iptables openssh-server redis-server redis-sentinel)"
  done
  if [[ -s $dir/state ]]; then die "$dir already holds a deployment ($dir/state): run '$SCRIPT down $dir' first"; fi
  if ip link show dev "$bridge" >/dev/null 2>&1; then die "a link named $bridge already exists (subnet-id $sid in use?)"; fi
  if [[ -n $(ip -4 route show "$subnet.0/24") || -n $(ip -4 addr show to "$subnet.0/24") ]]; then
    die "$subnet.0/24 is already routed or assigned on this host: pick another subnet-id"
  fi
  for i in 0 1 2; do
    names+=("h$i")
    nses+=("rc${sid}h$i")
    ips+=("$subnet.$((i + 2))")
    if [[ -e /run/netns/rc${sid}h$i ]]; then die "network namespace rc${sid}h$i already exists"; fi
    if ip link show dev "rc${sid}h${i}v" >/dev/null 2>&1; then die "a link named rc${sid}h${i}v already exists"; fi
  done

  mkdir -p "$dir"
  UP_DIR=$dir
  : >"$dir/state"
  trap on_exit EXIT
  trap 'exit 130' INT TERM
  for i in 0 1 2; do record "host ${names[i]} ${nses[i]} ${ips[i]}"; done

  # --- network: bridge with the host's address, one namespace + veth per host -----------------------------------
  # forward_delay 0: with STP off the ports forward at once anyway, but this makes it explicit. IPv6 is switched off
  # on everything made here: nothing uses it, and it would only add link-local chatter (RS, MLD, DAD) on the bridge.
  if [[ ! -d /run/netns ]]; then record "rundir /run/netns"; fi
  record "link $bridge"
  ip link add "$bridge" type bridge forward_delay 0
  echo 1 >"/proc/sys/net/ipv6/conf/$bridge/disable_ipv6" 2>/dev/null || true
  ip addr add "$subnet.1/24" dev "$bridge"
  ip link set "$bridge" up
  for i in 0 1 2; do
    ns=${nses[i]} veth=rc${sid}h${i}v
    record "netns $ns"
    ip netns add "$ns"
    # shellcheck disable=SC2016 # $f is the inner shell's
    ip netns exec "$ns" sh -c 'for f in /proc/sys/net/ipv6/conf/*/disable_ipv6; do echo 1 >"$f"; done' 2>/dev/null || true
    record "link $veth"
    ip link add "$veth" type veth peer name eth0 netns "$ns"
    echo 1 >"/proc/sys/net/ipv6/conf/$veth/disable_ipv6" 2>/dev/null || true
    ip link set "$veth" master "$bridge" up
    ip -n "$ns" addr add "${ips[i]}/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
  done

  # --- iptables FORWARD --------------------------------------------------------------------------------------------
  # Docker sets FORWARD's policy to DROP, and br_netfilter (bridge-nf-call-iptables=1) sends even frames bridged
  # between two ports of rcbr<id> (h0 <-> h1) through FORWARD; so the bridge needs its own ACCEPT in both
  # directions, at the top (before DOCKER-USER / DOCKER-ISOLATION-*). The comment names the deployment so `down`
  # deletes exactly these rules.
  # Docker containers reaching 10.213.<id>.x: a container on docker0 (or a user-defined br-*) bridge is forwarded
  # out by Docker's own "-i docker0 ! -o docker0 -j ACCEPT" (and by our "-o rcbr<id>" rule, which comes first), and
  # Docker's "nat POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE" rewrites its source to 10.213.<id>.1 as it
  # leaves through rcbr<id>. The hosts therefore need no route back to 172.16.0.0/12 (they have none on purpose);
  # replies are un-NATed by conntrack and accepted by "-i rcbr<id>" (or Docker's RELATED,ESTABLISHED rule). Checked
  # without a container: a namespace with a veth on docker0 reached all three hosts (Redis, Sentinel, SSH) with
  # these two rules removed too, and Redis saw it as 10.213.<id>.1. Not covered: a network created --internal or
  # with com.docker.network.bridge.enable_ip_masquerade=false (no MASQUERADE: the hosts could not answer).
  local -a rule
  for line in "-i $bridge" "-o $bridge"; do
    read -r -a rule <<<"FORWARD $line -m comment --comment rc-deployment-$sid -j ACCEPT"
    record "ipt ${rule[*]}"
    iptables -w -I "${rule[0]}" 1 "${rule[@]:1}"
  done

  # --- SSH: a client key, a host key per host, authorized_keys, known_hosts --------------------------------------
  # ssh-keygen asks "Overwrite (y/n)?" (and hangs without a terminal) if the file exists: remove old keys first.
  rm -f "$dir/id_ed25519" "$dir/id_ed25519.pub" "$dir/known_hosts" "$dir/authorized_keys" "$dir/deployment.json"
  ssh-keygen -q -t ed25519 -N '' -C "rc-deployment-$sid" -f "$dir/id_ed25519"
  cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
  # sshd chroots its unprivileged pre-auth child into /run/sshd; Debian's init scripts make it, but nothing runs
  # them here. -p: a deployment coming up in parallel may make it at the same moment.
  if [[ ! -d /run/sshd ]]; then
    record "rundir /run/sshd"
    mkdir -p -m 0755 /run/sshd
  fi
  for i in 0 1 2; do
    hd=$dir/${names[i]}
    mkdir -p "$hd"
    # Nothing from an earlier deployment in this directory: old pidfiles, logs, a replica's dump.rdb (a replica
    # stores the RDB of its full sync even with save "", and would load it when restarted).
    rm -f "$hd"/ssh_host_ed25519_key "$hd"/ssh_host_ed25519_key.pub "$hd"/*.pid "$hd"/*.log "$hd"/*.rdb "$hd"/nodes*.conf
    ssh-keygen -q -t ed25519 -N '' -C '' -f "$hd/ssh_host_ed25519_key"
    # known_hosts line: "<ip> ssh-ed25519 AAAA..." (port 22, so no [ip]:port form).
    printf '%s %s\n' "${ips[i]}" "$(cut -d' ' -f1,2 "$hd/ssh_host_ed25519_key.pub")" >>"$dir/known_hosts"
    # MaxStartups/MaxSessions: the harness may open several connections at once. UseDNS no: no resolver lookups
    # (there is no DNS here). PrintLastLog no: no /var/log/lastlog writes. LogLevel INFO to a file (-E): no syslog.
    cat >"$hd/sshd_config" <<EOF
ListenAddress ${ips[i]}:22
HostKey $hd/ssh_host_ed25519_key
PidFile $hd/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 100:30:200
MaxSessions 100
Subsystem sftp internal-sftp
LogLevel INFO
EOF
    "${bin[sshd]}" -t -f "$hd/sshd_config" || die "sshd rejects $hd/sshd_config"
  done

  if [[ $flavor == cluster ]]; then
    up_cluster "$dir"
    return
  fi

  # --- Redis and Sentinel configs, start lines ---------------------------------------------------------------------
  # repl-diskless-sync-delay 0: Redis 7 waits 5 s by default for more replicas before a diskless full sync, which
  # would make every (re)sync, and so `up`, 5 s slower.
  for i in 0 1 2; do
    hd=$dir/${names[i]}
    {
      printf '%s\n' "bind ${ips[i]}" "port $REDIS_PORT" "protected-mode no" "daemonize yes" \
        "pidfile $hd/redis.pid" "logfile $hd/redis.log" "dir $hd" 'save ""' "appendonly no" \
        "repl-diskless-sync-delay 0"
      if ((i > 0)); then echo "replicaof ${ips[0]} $REDIS_PORT"; fi
    } >"$hd/redis.conf"
    # Sentinel rewrites this file (myid, known replicas and sentinels, the new master after a failover): it must
    # be writable, and stays in <dir> so a restarted Sentinel keeps its identity.
    printf '%s\n' "bind ${ips[i]}" "port $SENTINEL_PORT" "protected-mode no" "daemonize yes" \
      "pidfile $hd/sentinel.pid" "logfile $hd/sentinel.log" "dir $hd" \
      "sentinel monitor mymaster ${ips[0]} $REDIS_PORT 2" \
      "sentinel down-after-milliseconds mymaster 3000" \
      "sentinel failover-timeout mymaster 10000" \
      "sentinel parallel-syncs mymaster 1" >"$hd/sentinel.conf"
    # One line each, with absolute paths: what a user would type over SSH as root to start it again after a kill
    # (SSH lands in the host's namespace, so the process comes back on the right host).
    redis_lines+=("${bin[redis-server]} $hd/redis.conf")
    sentinel_lines+=("${bin[redis-sentinel]} $hd/sentinel.conf")
    printf '%s\n' "${redis_lines[i]}" >"$hd/start-redis"
    printf '%s\n' "${sentinel_lines[i]}" >"$hd/start-sentinel"
  done

  # --- start: sshd and redis first; Sentinel only once the replicas are linked ------------------------------------
  # Sentinel learns the replicas from the master's INFO, which it asks for every 10 s; started before the replicas
  # have connected it would report num-slaves 0 for up to 10 s.
  for i in 0 1 2; do
    hd=$dir/${names[i]}
    record "proc ${nses[i]} $hd/sshd.pid"
    # sshd re-executes itself, so it must be started by its absolute path.
    run_in "${nses[i]}" "${bin[sshd]} -f $hd/sshd_config -E $hd/sshd.log"
    record "proc ${nses[i]} $hd/redis.pid"
    run_in "${nses[i]}" "${redis_lines[i]}"
  done

  # Poll every 100 ms; a check that passed is not repeated (each banner read leaves a "Connection reset" line in
  # sshd.log). On a timeout, name what is missing and show the end of its log.
  local -A ready=()
  local -a pending_logs=()
  local start
  start=$(now_ms)
  deadline=$((start + WAIT_SECONDS * 1000))
  while :; do
    pending=() pending_logs=()
    for i in 0 1 2; do
      hd=$dir/${names[i]}
      if [[ -z ${ready[sshd$i]:-} ]]; then
        # sshd is up once it greets: read the start of its banner "SSH-2.0-..." over a plain TCP connection.
        # shellcheck disable=SC2016 # $1 is the inner shell's
        line=$(timeout 1 bash -c 'exec 3<>"/dev/tcp/$1/22" && head -c 7 <&3' _ "${ips[i]}" 2>/dev/null || true)
        if [[ $line == SSH-2.0 ]]; then
          ready[sshd$i]=1
        else
          pending+=("${names[i]} sshd (${ips[i]}:22) does not answer")
          pending_logs+=("$hd/sshd.log")
        fi
      fi
      if ((i > 0)) && [[ -z ${ready[redis$i]:-} ]]; then
        line=$(timeout 2 redis-cli -h "${ips[i]}" -p "$REDIS_PORT" info replication 2>/dev/null | tr -d '\r' | grep '^master_link_status:' || true)
        if [[ $line == master_link_status:up ]]; then
          ready[redis$i]=1
        else
          pending+=("${names[i]} redis (${ips[i]}:$REDIS_PORT) is not linked to its master (${line:-no answer})")
          pending_logs+=("$hd/redis.log")
        fi
      fi
    done
    if ((!${#pending[@]})) && [[ -z ${ready[sentinels_started]:-} ]]; then
      log "sshd and redis ready after $(($(now_ms) - start)) ms; starting the sentinels"
      for i in 0 1 2; do
        record "proc ${nses[i]} $dir/${names[i]}/sentinel.pid"
        run_in "${nses[i]}" "${sentinel_lines[i]}"
      done
      ready[sentinels_started]=1
      continue
    fi
    if [[ -n ${ready[sentinels_started]:-} ]]; then
      for i in 0 1 2; do
        [[ -z ${ready[sentinel$i]:-} ]] || continue
        read -r slaves others < <(sentinel_counts "${ips[i]}")
        if [[ $slaves == 2 && $others == 2 ]]; then
          ready[sentinel$i]=1
        else
          pending+=("${names[i]} sentinel (${ips[i]}:$SENTINEL_PORT) sees $slaves/2 replicas and $others/2 other sentinels")
          pending_logs+=("$dir/${names[i]}/sentinel.log")
        fi
      done
    else
      pending+=("the sentinels (started only once every sshd answers and both replicas are linked)")
    fi
    ((${#pending[@]})) || break
    if (($(now_ms) > deadline)); then
      log "the deployment did not come up within ${WAIT_SECONDS}s:"
      for line in "${pending[@]}"; do log "  - $line"; done
      for line in "${pending_logs[@]}"; do
        if [[ -s $line ]]; then
          log "--- last lines of $line:"
          tail -n 5 "$line" >&2
        fi
      done
      exit 1
    fi
    sleep 0.1
  done
  log "ready after $(($(now_ms) - start)) ms"

  # --- describe it -------------------------------------------------------------------------------------------------
  local json hosts=
  for i in 0 1 2; do
    hosts+=$(printf '%s{"name":"%s","namespace":"%s","ip":"%s","redisPort":%d,"sentinelPort":%d,"startRedis":"%s","startSentinel":"%s"}' \
      "${hosts:+,}" "${names[i]}" "${nses[i]}" "${ips[i]}" "$REDIS_PORT" "$SENTINEL_PORT" "${redis_lines[i]}" "${sentinel_lines[i]}")
  done
  json=$(printf '{"subnet":"%s","bridge":"%s","key":"%s","knownHosts":"%s","hosts":[%s]}' \
    "$subnet" "$bridge" "$dir/id_ed25519" "$dir/known_hosts" "$hosts")
  printf '%s\n' "$json" >"$dir/deployment.json"
  UP_DONE=1
  log "up: ${names[*]} on $subnet.0/24 (bridge $bridge); remove it with: bash $SCRIPT down $dir"
  printf '%s\n' "$json"
}

# The cluster flavor, once the hosts and their sshd are made (do_up's locals are in scope): per host two cluster-mode
# redis-servers, the cluster created from this machine, then waited for until every node says cluster_state:ok and
# every replica is linked.
up_cluster() {
  local dir=$1 i hd port conf start
  local -a redis2_lines=() nodes=()
  for i in 0 1 2; do
    hd=$dir/${names[i]}
    for port in "$REDIS_PORT" "$REDIS_PORT2"; do
      conf=$hd/redis-$port.conf
      printf '%s\n' "bind ${ips[i]}" "port $port" "protected-mode no" "daemonize yes" \
        "pidfile $hd/redis-$port.pid" "logfile $hd/redis-$port.log" "dir $hd" 'save ""' "appendonly no" \
        "cluster-enabled yes" "cluster-config-file $hd/nodes-$port.conf" "cluster-node-timeout 3000" \
        "repl-diskless-sync-delay 0" >"$conf"
      nodes+=("${ips[i]}:$port")
    done
    redis_lines+=("${bin[redis-server]} $hd/redis-$REDIS_PORT.conf")
    redis2_lines+=("${bin[redis-server]} $hd/redis-$REDIS_PORT2.conf")
    record "proc ${nses[i]} $hd/sshd.pid"
    run_in "${nses[i]}" "${bin[sshd]} -f $hd/sshd_config -E $hd/sshd.log"
    record "proc ${nses[i]} $hd/redis-$REDIS_PORT.pid"
    run_in "${nses[i]}" "${redis_lines[i]}"
    record "proc ${nses[i]} $hd/redis-$REDIS_PORT2.pid"
    run_in "${nses[i]}" "${redis2_lines[i]}"
  done
  start=$(now_ms)
  deadline=$((start + WAIT_SECONDS * 1000))
  until all_answer "${nodes[@]}" && sshd_answers; do
    (($(now_ms) < deadline)) || die "the cluster's nodes or sshd did not answer within ${WAIT_SECONDS}s"
    sleep 0.1
  done
  # Masters first (h0..h2 on 6379), then the replicas: redis-cli puts each replica on another host than its master.
  timeout 30 redis-cli --cluster create "${nodes[0]}" "${nodes[2]}" "${nodes[4]}" "${nodes[1]}" "${nodes[3]}" "${nodes[5]}" \
    --cluster-replicas 1 --cluster-yes >"$dir/cluster-create.log" 2>&1 || die "redis-cli --cluster create failed: $(tail -n 3 "$dir/cluster-create.log")"
  until cluster_settled "${nodes[@]}"; do
    (($(now_ms) < deadline)) || die "the cluster did not settle within ${WAIT_SECONDS}s"
    sleep 0.2
  done
  log "cluster ready after $(($(now_ms) - start)) ms"
  local json hosts=
  for i in 0 1 2; do
    hosts+=$(printf '%s{"name":"%s","namespace":"%s","ip":"%s","redisPort":%d,"redisPort2":%d,"startRedis":"%s","startRedis2":"%s"}' \
      "${hosts:+,}" "${names[i]}" "${nses[i]}" "${ips[i]}" "$REDIS_PORT" "$REDIS_PORT2" "${redis_lines[i]}" "${redis2_lines[i]}")
  done
  json=$(printf '{"flavor":"cluster","subnet":"%s","bridge":"%s","key":"%s","knownHosts":"%s","hosts":[%s]}' \
    "$subnet" "$bridge" "$dir/id_ed25519" "$dir/known_hosts" "$hosts")
  printf '%s\n' "$json" >"$dir/deployment.json"
  UP_DONE=1
  log "up: a cluster on ${names[*]} ($subnet.0/24, bridge $bridge); remove it with: bash $SCRIPT down $dir"
  printf '%s\n' "$json"
}

# Every host's sshd accepts a connection (do_up's ips in scope).
sshd_answers() {
  local ip
  # shellcheck disable=SC2016 # $1 is the inner shell's
  for ip in "${ips[@]}"; do timeout 1 bash -c 'exec 3<>"/dev/tcp/$1/22"' _ "$ip" 2>/dev/null || return 1; done
}

# Every host:port given answers PING.
all_answer() {
  local a
  for a in "$@"; do [[ $(timeout 1 redis-cli -h "${a%:*}" -p "${a#*:}" ping 2>/dev/null) == PONG ]] || return 1; done
}

# Every node says cluster_state:ok, and every replica's link to its master is up.
cluster_settled() {
  local a info
  for a in "$@"; do
    [[ $(timeout 1 redis-cli -h "${a%:*}" -p "${a#*:}" cluster info 2>/dev/null | tr -d '\r' | grep '^cluster_state:') == cluster_state:ok ]] || return 1
    info=$(timeout 1 redis-cli -h "${a%:*}" -p "${a#*:}" info replication 2>/dev/null | tr -d '\r')
    [[ $info != *role:slave* || $info == *master_link_status:up* ]] || return 1
  done
}

main() {
  (($# >= 2)) || usage
  local cmd=$1 dir
  dir=$(absolute_dir "$2")
  case $cmd in
    up)
      (($# == 3 || $# == 4)) || usage
      [[ ${4:-sentinel} == sentinel || ${4:-sentinel} == cluster ]] || usage
      do_up "$dir" "$3" "${4:-sentinel}"
      ;;
    down)
      (($# == 2)) || usage
      ((EUID == 0)) || die "down needs root"
      do_down "$dir"
      ;;
    status)
      (($# == 2)) || usage
      do_status "$dir"
      ;;
    *) usage ;;
  esac
}

main "$@"
