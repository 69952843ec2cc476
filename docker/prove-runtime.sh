#!/usr/bin/env bash
# Proves the Dockerfile's runtime stage without a Docker engine.
#
#   sudo docker/prove-runtime.sh path/to/lazypm
#
# What it does, as root:
#  1. builds (once, then cached) a minimal Debian root file system with
#     debootstrap, for the release the Dockerfile's DEBIAN_RELEASE names;
#  2. copies it and runs in it, with chroot, the runtime stage's setup RUN
#     instruction, taken from the Dockerfile itself (the block between
#     "# >>> runtime-setup" and "# <<< runtime-setup"), so this proof cannot
#     drift from the image;
#  3. installs the given lazypm binary as the COPY step does, and, as the
#     image's non-root USER in its WORKDIR with LAZYPM_DATA_DIR=/data:
#     - checks that `lazypm serve` on 0.0.0.0 without LAZYPM_TOKEN exits
#       non-zero and says why;
#     - starts `lazypm serve --bind 0.0.0.0:PORT` with a token, and checks
#       that `lazypm healthcheck --url http://127.0.0.1:PORT` exits 0 (and
#       exits non-zero where nothing listens);
#     - checks the API: health open, the rest behind the token, the working
#       directory registered as the project; takes a backup into /data;
#     - stops the server by its pid with SIGTERM and checks it exits 0;
#  4. unmounts and removes the copy (the debootstrap cache stays).
#
# Environment:
#   LAZYPM_PROVE_CACHE  where the pristine root file system is kept
#                       (default: ${TMPDIR:-/tmp}/lazypm-prove-runtime)
#   DEBIAN_MIRROR       default http://deb.debian.org/debian
#   PROVE_PORT          port for the server (default: a free one; not 1929)
#   SKIP_HEALTHCHECK=1  for a lazypm binary that has no `healthcheck` command:
#                       serve is proven, the health check is reported unproven
set -euo pipefail

die() { echo "prove-runtime: $*" >&2; exit 1; }
step() { printf '\n== %s\n' "$*"; }
ok() { printf 'OK   %s\n' "$*"; }

[[ $# -eq 1 ]] || die "usage: $0 PATH/TO/lazypm"
[[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap, chroot, mount)"
BIN=$(readlink -f "$1")
[[ -f $BIN && -x $BIN ]] || die "$1 is not an executable file"
command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install -y debootstrap"
command -v curl >/dev/null || die "curl is missing (used to check the mirror and the API from outside)"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DOCKERFILE=${DOCKERFILE:-$HERE/../Dockerfile}
[[ -f $DOCKERFILE ]] || die "no Dockerfile at $DOCKERFILE"
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${LAZYPM_PROVE_CACHE:-${TMPDIR:-/tmp}/lazypm-prove-runtime}

# --- What the Dockerfile says -------------------------------------------------
# The Debian release: the default of `ARG DEBIAN_RELEASE=...`.
RELEASE=$(sed -n 's/^ARG DEBIAN_RELEASE=\([a-z]*\)$/\1/p' "$DOCKERFILE" | head -n1)
[[ -n $RELEASE ]] || die "no 'ARG DEBIAN_RELEASE=...' in $DOCKERFILE"
# The runtime stage starts at its FROM; USER and WORKDIR are read from there on.
runtime_stage() { sed -n '/^FROM .* AS runtime$/,$p' "$DOCKERFILE"; }
RUN_USER=$(runtime_stage | sed -n 's/^USER \(.*\)$/\1/p' | tail -n1)
WORKDIR=$(runtime_stage | sed -n 's/^WORKDIR \(.*\)$/\1/p' | tail -n1)
[[ -n $RUN_USER && -n $WORKDIR ]] || die "the runtime stage names no USER or WORKDIR"
[[ $RUN_USER =~ ^[0-9]+:[0-9]+$ ]] || die "USER '$RUN_USER' is not numeric uid:gid"
runtime_stage | grep -q 'LAZYPM_DATA_DIR=/data' || die "the runtime stage does not set LAZYPM_DATA_DIR=/data"
runtime_stage | grep -qF 'CMD ["lazypm", "serve", "--bind", "0.0.0.0:1929"]' \
    || die "the runtime stage's CMD is not lazypm serve --bind 0.0.0.0:1929"
runtime_stage | grep -qF 'CMD ["lazypm", "healthcheck"]' \
    || die "the runtime stage's HEALTHCHECK is not lazypm healthcheck"

# The setup RUN instruction, as /bin/sh -c would get it from Docker: the lines
# between the markers, without comments, continuations joined, "RUN " dropped.
SETUP=$(sed -n '/^# >>> runtime-setup$/,/^# <<< runtime-setup$/p' "$DOCKERFILE" \
    | grep -v '^[[:space:]]*#' \
    | sed -e ':a' -e '/\\$/N; s/\\\n//; ta')
[[ $(grep -c '^RUN ' <<<"$SETUP") -eq 1 && $(grep -c . <<<"$SETUP") -eq 1 ]] \
    || die "the runtime-setup block must hold exactly one RUN instruction and nothing else"
SETUP=${SETUP#RUN }

PORT=${PROVE_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 19290)}
[[ $PORT != 1929 ]] || die "use a port other than 1929"
TOKEN="prove-$RANDOM$RANDOM"
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

echo "Dockerfile:  $DOCKERFILE"
echo "release:     $RELEASE ($MIRROR)"
echo "binary:      $BIN"
echo "user:        $RUN_USER   workdir: $WORKDIR   port: $PORT"
echo "setup RUN:   $SETUP"

# --- 1. The pristine root file system, cached --------------------------------
BASE=$CACHE/base-$RELEASE
if [[ ! -f $BASE/.complete ]]; then
    step "debootstrap --variant=minbase $RELEASE into $BASE"
    curl -fsS -o /dev/null --max-time 20 "$MIRROR/dists/$RELEASE/Release" \
        || die "the mirror $MIRROR does not answer"
    rm -rf --one-file-system "$BASE"
    mkdir -p "$CACHE"
    debootstrap --variant=minbase "$RELEASE" "$BASE" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
        || { tail -n 20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
    # The same suites as the debian:<release>-slim image.
    rm -f "$BASE/etc/apt/sources.list"
    cat >"$BASE/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $RELEASE $RELEASE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: $RELEASE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    touch "$BASE/.complete"
else
    step "reusing the cached root file system $BASE"
fi

# --- 2. A throwaway copy, and the setup RUN in it ----------------------------
ROOT=$(mktemp -d "$CACHE/run.XXXXXX")
SERVER_PID=
cleanup() {
    local rc=$?
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        sleep 1
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    for m in "$ROOT/dev" "$ROOT/proc"; do
        if mountpoint -q "$m" 2>/dev/null; then umount "$m" 2>/dev/null || umount -l "$m"; fi
    done
    if grep -qF " $ROOT/" /proc/mounts; then
        echo "prove-runtime: something is still mounted under $ROOT; not removing it" >&2
    else
        rm -rf --one-file-system "$ROOT"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "copying the root file system to $ROOT"
cp -a "$BASE/." "$ROOT/"
rm -f "$ROOT/.complete"
mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"   # Docker provides one at build time too

step "the Dockerfile's runtime-setup RUN, as root in the chroot"
chroot "$ROOT" /usr/bin/env -i PATH="$IMAGE_PATH" HOME=/root /bin/sh -c "$SETUP" >"$ROOT.setup.log" 2>&1 \
    || { tail -n 30 "$ROOT.setup.log" >&2; rm -f "$ROOT.setup.log"; die "the setup RUN failed"; }
tail -n 3 "$ROOT.setup.log"; rm -f "$ROOT.setup.log"
ok "setup RUN exited 0"

# COPY --from=build /out/lazypm /usr/local/bin/lazypm
install -m 0755 "$BIN" "$ROOT/usr/local/bin/lazypm"

# Runs a command in the chroot as the image's USER, in its WORKDIR, with the
# image's environment (plus any NAME=VALUE given before the command).
# user_cmd sets USER_CMD to that command line; as_user runs it.
user_cmd() {
    local env=(PATH="$IMAGE_PATH" HOME=/home/lazypm LAZYPM_DATA_DIR=/data)
    while [[ $# -gt 0 && $1 == *=* ]]; do env+=("$1"); shift; done
    # shellcheck disable=SC2016 # $0 and $@ are for the inner sh
    USER_CMD=(chroot --userspec="$RUN_USER" "$ROOT" /usr/bin/env -i "${env[@]}"
        /bin/sh -c 'cd "$0" && exec "$@"' "$WORKDIR" "$@")
}
as_user() { user_cmd "$@"; "${USER_CMD[@]}"; }

# --- 3. The image's behaviour --------------------------------------------------
step "the user, git and CA certificates"
as_user id
as_user git --version
[[ -s $ROOT/etc/ssl/certs/ca-certificates.crt ]] || die "no CA bundle in the image"
ok "CA bundle present"
[[ $(stat -c %u:%g "$ROOT/data") == "$RUN_USER" ]] || die "/data is not owned by $RUN_USER"
ok "/data owned by $RUN_USER ($(stat -c %A "$ROOT/data"))"
as_user lazypm --version

step "serve on 0.0.0.0 without LAZYPM_TOKEN must refuse"
set +e
out=$(as_user LAZYPM_DATABASE_URL= timeout 20 lazypm serve --bind "0.0.0.0:$PORT" 2>&1)
rc=$?
set -e
echo "exit $rc: $out"
[[ $rc -ne 0 && $rc -ne 124 ]] || die "serve without a token did not refuse (exit $rc)"
grep -qi 'token' <<<"$out" || die "serve refused without saying it needs a token"
ok "refused without a token (exit $rc)"
echo "/data after the refusal: $(find "$ROOT/data" -mindepth 1 -maxdepth 1 -printf '%f ')"

if [[ ${SKIP_HEALTHCHECK:-} != 1 ]]; then
    step "healthcheck where nothing listens must fail"
    set +e
    out=$(as_user lazypm healthcheck --url "http://127.0.0.1:$PORT" 2>&1)
    rc=$?
    set -e
    echo "exit $rc: $out"
    [[ $rc -ne 0 ]] || die "healthcheck passed with no server"
    ok "healthcheck fails with no server (exit $rc)"
fi

step "serve --bind 0.0.0.0:$PORT with LAZYPM_TOKEN, as $RUN_USER"
LOG=$CACHE/serve.$PORT.log
# chroot, env and sh all exec, so $! is the server's own pid.
user_cmd LAZYPM_TOKEN="$TOKEN" LAZYPM_DATABASE_URL= lazypm serve --bind "0.0.0.0:$PORT"
"${USER_CMD[@]}" >"$LOG" 2>&1 &
SERVER_PID=$!
up=
for _ in $(seq 1 60); do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG" >&2; die "serve exited early"; }
    if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/api/health"; then up=1; break; fi
    sleep 0.5
done
[[ -n $up ]] || { cat "$LOG" >&2; die "serve did not answer within 30 s"; }
cat "$LOG"
[[ $(readlink "/proc/$SERVER_PID/exe") == "$ROOT/usr/local/bin/lazypm" ]] \
    || die "pid $SERVER_PID is not the lazypm server"
ok "server pid $SERVER_PID runs as uid $(stat -c %u "/proc/$SERVER_PID")"

if [[ ${SKIP_HEALTHCHECK:-} != 1 ]]; then
    step "lazypm healthcheck --url http://127.0.0.1:$PORT (the image's HEALTHCHECK)"
    set +e
    out=$(as_user lazypm healthcheck --url "http://127.0.0.1:$PORT" 2>&1)
    rc=$?
    set -e
    echo "exit $rc: $out"
    [[ $rc -eq 0 ]] || die "healthcheck failed against a running server"
    ok "healthcheck exits 0"
else
    step "healthcheck NOT proven (SKIP_HEALTHCHECK=1)"
fi

step "the API from outside the chroot"
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
echo "GET /api/health               -> $(code "http://127.0.0.1:$PORT/api/health") $(curl -s --max-time 5 "http://127.0.0.1:$PORT/api/health")"
c=$(code "http://127.0.0.1:$PORT/api/projects")
echo "GET /api/projects (no token)  -> $c"
[[ $c == 401 ]] || die "the API answered $c without a token"
projects=$(curl -fsS --max-time 5 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/projects")
echo "GET /api/projects (token)     -> $projects"
grep -qF "\"$WORKDIR\"" <<<"$projects" || die "the working directory $WORKDIR is not the registered project"
ok "token enforced; $WORKDIR registered as the project"

step "lazypm backup, as $RUN_USER, into /data/backup"
as_user lazypm backup
ls -ln "$ROOT/data" "$ROOT/data/backup"

step "stopping the server (SIGTERM to pid $SERVER_PID)"
kill -TERM "$SERVER_PID"
set +e
wait "$SERVER_PID"
rc=$?
set -e
SERVER_PID=
echo "serve exited $rc"
[[ $rc -eq 0 ]] || die "serve did not exit cleanly on SIGTERM"
ok "clean shutdown"
rm -f "$LOG"

step "all runtime checks passed"
