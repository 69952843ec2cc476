# syntax=docker/dockerfile:1
#
# lazypm container image: `lazypm serve` (web dashboard, REST API and MCP over
# HTTP) on port 1929, data in the /data volume, running as a non-root user.
#
#   docker build -t lazypm .
#   docker run -d -p 1929:1929 -e LAZYPM_TOKEN=... -v lazypm-data:/data lazypm
#
# See docker/README.md (and compose.yaml for the usual way to run it).

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

# ---------------------------------------------------------------------------
# Build stage: the release binary, from the locked dependency set.
# ---------------------------------------------------------------------------
FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS build
WORKDIR /src
COPY . .
# The registry, git checkouts and target/ live in BuildKit caches, so a
# rebuild recompiles only what changed. target/ is a cache mount (not part of
# the layer), so the binary is copied out of it to /out.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked -p lazypm \
 && install -D -m 0755 target/release/lazypm /out/lazypm

# ---------------------------------------------------------------------------
# Runtime stage: Debian slim, git (lazypm's git integration calls the git
# CLI) and CA certificates; nothing else.
# ---------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE}-slim AS runtime

# The block between the markers is also run, unchanged, by
# docker/prove-runtime.sh in a plain Debian root file system, so keep it one
# self-contained RUN instruction.
# >>> runtime-setup
# Versions are not pinned: the base image tag fixes the Debian release, and
# exact package versions vanish from the archive with each security update.
# hadolint ignore=DL3008
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates git; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 10001 lazypm; \
    useradd --system --uid 10001 --gid lazypm --home-dir /home/lazypm --create-home --shell /usr/sbin/nologin lazypm; \
    install -d -o lazypm -g lazypm -m 0750 /data; \
    install -d -o lazypm -g lazypm -m 0755 /workspace; \
    git config --system --add safe.directory /workspace
# <<< runtime-setup

COPY --from=build /out/lazypm /usr/local/bin/lazypm

# /data holds lazypm.db, events.jsonl and backup/. /workspace is the working
# directory: with no project registered yet, `lazypm serve` registers it (bind
# mount a repository there to link the project to it).
ENV LAZYPM_DATA_DIR=/data \
    HOME=/home/lazypm
WORKDIR /workspace
VOLUME ["/data"]
USER 10001:10001
EXPOSE 1929

# `lazypm healthcheck` asks GET http://127.0.0.1:1929/api/health (answered
# without a token) and exits 0 on a 200, so the image needs no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["lazypm", "healthcheck"]

# Off loopback, `lazypm serve` refuses to start without a token: set
# LAZYPM_TOKEN (SECRET, or NAME=SECRET) when running the container.
CMD ["lazypm", "serve", "--bind", "0.0.0.0:1929"]
