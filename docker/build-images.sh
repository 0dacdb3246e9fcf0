#!/usr/bin/env bash
# Builds every container image the harness needs, on this machine: no container registry can be
# reached here, so nothing is pulled.
#   redis-7    Debian bookworm + redis-server/-sentinel/-tools 7.0.x        (mmdebstrap | docker import)
#   redis-8    Debian trixie   + redis-server/-sentinel/-tools 8.0.x        (mmdebstrap | docker import)
#   valkey     Debian trixie   + valkey-server/-sentinel/-tools 8.1.x, with redis-* names on PATH
#   toxiproxy  Toxiproxy server built with `go install`, in a FROM scratch image
#   ryuk       our Ryuk-compatible reaper (docker/reaper), in a FROM scratch image
# Every Redis/Valkey image also has iproute2 and iptables (for faults injected inside a container).
#
# Usage: docker/build-images.sh [--force] [--only NAME]... [--plan]
#   --force      rebuild even if the image already exists (default: skip existing images)
#   --plan       only print the names (redis-7, ...) of the images that would be built, one a line
#   --only NAME  build only NAME (redis-7, redis-8, valkey, toxiproxy, ryuk, or an image name);
#                may be repeated
# Settings (environment variables):
#   REDIS_7_IMAGE (redis-chaos/redis:7.0)  REDIS_8_IMAGE (redis-chaos/redis:8.0)
#   VALKEY_IMAGE (redis-chaos/valkey:8.1)  TOXIPROXY_IMAGE (redis-chaos/toxiproxy:2.12.0)
#   RYUK_CONTAINER_IMAGE (redis-chaos/ryuk:local)  TOXIPROXY_VERSION (2.12.0)
#   DEBIAN_MIRROR    Debian archive URL; default: the main archive in this host's apt sources
#   BUILD_LOG_DIR    where each image's build log goes (/tmp/redis-chaos-images)
# Exit codes: 0 all images present, 1 an image failed to build, 2 bad flag,
#             3 a tool is missing or the Docker engine does not answer.
set -euo pipefail

REDIS_7_IMAGE=${REDIS_7_IMAGE:-redis-chaos/redis:7.0}
REDIS_8_IMAGE=${REDIS_8_IMAGE:-redis-chaos/redis:8.0}
VALKEY_IMAGE=${VALKEY_IMAGE:-redis-chaos/valkey:8.1}
TOXIPROXY_IMAGE=${TOXIPROXY_IMAGE:-redis-chaos/toxiproxy:2.12.0}
RYUK_CONTAINER_IMAGE=${RYUK_CONTAINER_IMAGE:-redis-chaos/ryuk:local}
TOXIPROXY_VERSION=${TOXIPROXY_VERSION:-2.12.0}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-}
BUILD_LOG_DIR=${BUILD_LOG_DIR:-/tmp/redis-chaos-images}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ALL=(redis-7 redis-8 valkey toxiproxy ryuk)

say() { echo "[images] $*"; }
fail_env() { echo "[images] ERROR: $*" >&2; exit 3; }
usage() { sed -n '/^# Usage:/,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; }

image_of() {
  case $1 in
    redis-7) echo "$REDIS_7_IMAGE" ;;
    redis-8) echo "$REDIS_8_IMAGE" ;;
    valkey) echo "$VALKEY_IMAGE" ;;
    toxiproxy) echo "$TOXIPROXY_IMAGE" ;;
    ryuk) echo "$RYUK_CONTAINER_IMAGE" ;;
  esac
}

force=0 plan=0
wanted=()
while [ $# -gt 0 ]; do
  case $1 in
    --force) force=1 ;;
    --plan) plan=1 ;;
    --only | --only=*)
      if [ "$1" = --only ]; then
        [ $# -ge 2 ] || { echo "[images] --only needs a NAME" >&2; usage >&2; exit 2; }
        name=$2; shift
      else
        name=${1#--only=}
      fi
      found=
      for key in "${ALL[@]}"; do
        if [ "$name" = "$key" ] || [ "$name" = "$(image_of "$key")" ]; then found=$key; fi
      done
      [ -n "$found" ] || { echo "[images] unknown image '$name' (one of: ${ALL[*]}, or an image name)" >&2; exit 2; }
      wanted+=("$found") ;;
    -h | --help) usage; exit 0 ;;
    *) echo "[images] unknown flag '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[ ${#wanted[@]} -gt 0 ] || wanted=("${ALL[@]}")

# The Debian archive to bootstrap from: the host's own main archive (never a host name written
# here). deb822 files first (URIs:/Suites:/Types:/Enabled:), then one-line "deb" entries; the
# security archive and other schemes (cdrom:, mirror+file:) are skipped.
find_mirror() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && enabled != "no" && suites !~ /^ *$/) {
          n = split(uris, u, " ")
          for (k = 1; k <= n; k++) if (u[k] ~ /^(https?|file):/ && u[k] !~ /security/) { print u[k]; found = 1; exit }
        }
        types = uris = suites = key = ""; enabled = "yes"
      }
      BEGIN { enabled = "yes" }
      /^[ \t]*$/ { flush(); next }
      /^#/ { next }
      /^[ \t]/ { if (key == "uris") uris = uris " " $0; next }   # continuation line
      {
        key = tolower(substr($0, 1, index($0, ":") - 1)); val = substr($0, index($0, ":") + 1)
        if (key == "types") types = val
        else if (key == "uris") uris = val
        else if (key == "enabled") enabled = tolower(val)
        else if (key == "suites") { gsub(/[^ \t]*-security/, "", val); suites = val }
        gsub(/^[ \t]+|[ \t]+$/, "", enabled)
      }
      END { if (!found) flush() }' "$f")
    [ -n "$uri" ] && { echo "${uri%/}"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # deb [opt=val ...] URI SUITE COMPONENTS...
    uri=$(sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
      awk '$1 == "deb" && $2 ~ /^(https?|file):/ && $2 !~ /security/ && $3 !~ /-security$/ { print $2; exit }')
    [ -n "$uri" ] && { echo "${uri%/}"; return; }
  done
}

find_go() {
  command -v go >/dev/null 2>&1 && return 0
  [ -x /usr/local/go/bin/go ] && PATH=$PATH:/usr/local/go/bin && return 0
  return 1
}

# --- environment checks, only for the tools the wanted images need ----------------------------
docker info >/dev/null 2>&1 ||
  fail_env "the Docker engine does not answer ('docker info' fails). Run harness/infra/setup.sh, which starts dockerd."
need_debian=0 need_go=0
todo=()
for key in "${wanted[@]}"; do
  image=$(image_of "$key")
  if [ $force = 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
    [ $plan = 1 ] || say "$key ($image): present, skipped (--force rebuilds)"
    continue
  fi
  todo+=("$key")
  case $key in redis-* | valkey) need_debian=1 ;; *) need_go=1 ;; esac
done
if [ $plan = 1 ]; then
  [ ${#todo[@]} = 0 ] || printf '%s\n' "${todo[@]}"
  exit 0
fi
[ ${#todo[@]} -gt 0 ] || { say "all wanted images present"; exit 0; }

if [ $need_debian = 1 ]; then
  command -v mmdebstrap >/dev/null 2>&1 || fail_env "mmdebstrap is missing: apt-get install mmdebstrap (or run harness/infra/setup.sh)"
  mirror=${DEBIAN_MIRROR:-$(find_mirror)}
  [ -n "$mirror" ] || fail_env "no Debian archive found in /etc/apt/sources.list{,.d/*.sources,.d/*.list}; set DEBIAN_MIRROR=<archive URL>"
fi
if [ $need_go = 1 ]; then
  find_go || fail_env "go (>= 1.23) is missing: run harness/infra/setup.sh, or install Go into /usr/local/go"
fi
mkdir -p "$BUILD_LOG_DIR"
if [ "${DOCKER_BUILDKIT:-}" = "" ] && ! docker buildx version >/dev/null 2>&1; then
  export DOCKER_BUILDKIT=0 # no buildx plugin: use the classic builder (enough for FROM scratch + COPY)
fi

# --- recipes ---------------------------------------------------------------------------------
# Each recipe builds an untagged image, checks it, and only then gives it its name: an image that
# exists under its name is always a good one (an interrupted or broken build is never skipped
# later as "present"). On failure a recipe sets $why; on success $detail.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# discard IMAGE ID: drop a build that failed its check, unless it is (through the build cache)
# the very image that IMAGE already names.
discard() {
  [ "$2" = "$(docker image inspect -f '{{.Id}}' "$1" 2>/dev/null)" ] || docker image rm "$2" >/dev/null 2>&1 || true
}

# tag_image IMAGE ID: name a checked build, and drop the image it replaces (if nothing else uses it).
tag_image() {
  local image=$1 id=$2 old
  old=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
  docker tag "$id" "$image" || { why="docker tag failed"; return 1; }
  if [ -n "$old" ] && [ "$old" != "$id" ]; then docker image rm "$old" >/dev/null 2>&1 || true; fi
}

# build_debian KEY IMAGE SUITE PACKAGES [extra mmdebstrap args...]
build_debian() {
  local key=$1 image=$2 suite=$3 packages=$4 log="$BUILD_LOG_DIR/$1.log" tar="$work/$1.tar" id version
  shift 4
  # The tarball goes to a file first so that a failed bootstrap never becomes an (empty) image.
  # apt checks the Release signature against the host's keyring (debian-archive-keyring).
  if ! mmdebstrap --variant=minbase --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --customize-hook='mkdir -p "$1/data"' "$@" \
    "$suite" "$tar" "deb $mirror $suite main" >"$log" 2>&1; then
    if grep -qE 'NO_PUBKEY|EXPKEYSIG|not signed|signatures were invalid' "$log"; then
      why="the $suite Release signature does not verify with this host's keyring: apt-get install debian-archive-keyring (a version that has the $suite keys)"
    else
      why="mmdebstrap failed: check that '$mirror' answers (apt-get update) and that the packages exist in $suite"
    fi
    return 1
  fi
  # No VOLUME /data: an anonymous volume per container outlives every `docker rm -f` without -v.
  id=$(docker import \
    --change 'CMD ["redis-server"]' --change 'WORKDIR /data' --change 'EXPOSE 6379' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL redis-chaos.debian-suite=$suite redis-chaos.packages=$packages" \
    "$tar" 2>>"$log") || { why="docker import failed"; return 1; }
  rm -f "$tar"
  # The harness starts every server image with the same command names.
  if ! version=$(docker run --rm --network none "$id" sh -c \
    'redis-server --version && redis-cli --version >/dev/null && command -v redis-sentinel >/dev/null' 2>>"$log"); then
    discard "$image" "$id"
    why="redis-server/redis-cli/redis-sentinel do not run in the built image (discarded)"
    return 1
  fi
  tag_image "$image" "$id" || return 1
  detail="$(echo "$version" | awk '{print $1}') $(echo "$version" | grep -o 'v=[^ ]*')"
}

# build_scratch IMAGE DOCKERFILE CONTEXT LOG CHECK...: a FROM scratch image around the static
# binary already in CONTEXT; CHECK is `docker run` options and arguments, with the new image's id
# in place of {}, that must succeed.
build_scratch() {
  local image=$1 dockerfile=$2 ctx=$3 log=$4 id out
  shift 4
  cp "$dockerfile" "$ctx/Dockerfile" || { why="cannot copy $dockerfile"; return 1; }
  id=$(docker build -q --label redis-chaos.built-by=docker/build-images.sh "$ctx" 2>>"$log") &&
    id=$(echo "$id" | tail -n 1) && [ -n "$id" ] || { why="docker build failed"; return 1; }
  set -- "${@/#\{\}/$id}"
  if ! out=$(docker run --rm --network none "$@" 2>&1); then
    echo "$out" >>"$log"
    discard "$image" "$id"
    why="the built image does not run (discarded)"
    return 1
  fi
  echo "$out" >>"$log"
  detail=$(echo "$out" | head -n 1)
  tag_image "$image" "$id"
}

build_toxiproxy() {
  local log="$BUILD_LOG_DIR/toxiproxy.log" ctx="$work/toxiproxy"
  mkdir -p "$ctx"
  # Static (no cgo) so it runs in an empty image; Version is what GET /version reports.
  if ! CGO_ENABLED=0 GOBIN="$ctx" go install -trimpath \
    -ldflags "-s -w -X github.com/Shopify/toxiproxy/v2.Version=$TOXIPROXY_VERSION" \
    "github.com/Shopify/toxiproxy/v2/cmd/server@v$TOXIPROXY_VERSION" >"$log" 2>&1; then
    why="go install of toxiproxy v$TOXIPROXY_VERSION failed: check that the Go module proxy answers ('go env GOPROXY') and that go is >= 1.23"
    return 1
  fi
  mv "$ctx/server" "$ctx/toxiproxy" || { why="go install made no 'server' binary"; return 1; }
  build_scratch "$TOXIPROXY_IMAGE" "$HERE/toxiproxy/Dockerfile" "$ctx" "$log" {} -version
}

build_ryuk() {
  local log="$BUILD_LOG_DIR/ryuk.log" ctx="$work/ryuk"
  mkdir -p "$ctx"
  if ! (cd "$HERE/reaper" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$ctx/reaper" .) >"$log" 2>&1; then
    why="go build of docker/reaper failed"
    return 1
  fi
  # Smoke test: with no client and no Docker socket it must say Started, then exit on its own.
  build_scratch "$RYUK_CONTAINER_IMAGE" "$HERE/reaper/Dockerfile" "$ctx" "$log" -e RYUK_CONNECTION_TIMEOUT=100ms {} || return 1
  detail="reaper from docker/reaper (starts, and exits when nobody connects)"
}

# Valkey's Debian packages have no redis-* names (trixie has no valkey-redis-compat package), so
# link them; valkey picks its mode (server, sentinel, check-*) from the name it is run by.
valkey_compat='for n in server sentinel cli benchmark check-aof check-rdb; do ln -sf valkey-$n "$1/usr/bin/redis-$n"; done'

# bookworm gets merged /usr from the usrmerge package, which drags in perl (~50 MB); mmdebstrap's
# hook sets up the same symlinks without it (trixie's base-files does it by itself).
bookworm_merged_usr=()
[ ! -d /usr/share/mmdebstrap/hooks/merged-usr ] || bookworm_merged_usr=(--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr)

failed=()
for key in "${todo[@]}"; do
  image=$(image_of "$key")
  say "$key ($image): building..."
  start=$SECONDS why="" detail=""
  case $key in
    redis-7) build_debian "$key" "$image" bookworm redis-server,redis-sentinel,redis-tools,iproute2,iptables \
      "${bookworm_merged_usr[@]}" ;;
    redis-8) build_debian "$key" "$image" trixie redis-server,redis-sentinel,redis-tools,iproute2,iptables ;;
    valkey) build_debian "$key" "$image" trixie valkey-server,valkey-sentinel,valkey-tools,iproute2,iptables \
      --customize-hook="$valkey_compat" ;;
    toxiproxy) build_toxiproxy ;;
    ryuk) build_ryuk ;;
  esac && rc=0 || rc=$?
  if [ $rc = 0 ]; then
    say "$key ($image): built in $((SECONDS - start)) s: $detail"
  else
    say "$key ($image): FAILED after $((SECONDS - start)) s: $why"
    say "  last lines of $BUILD_LOG_DIR/$key.log:"
    tail -n 8 "$BUILD_LOG_DIR/$key.log" 2>/dev/null | sed 's/^/[images]   | /'
    failed+=("$key")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "[images] ERROR: could not build: ${failed[*]}. Fix the cause shown above, then re-run" \
    "docker/build-images.sh (it skips the images that were built)." >&2
  exit 1
fi
say "all wanted images present"
