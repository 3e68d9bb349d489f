#!/usr/bin/env bash
# Builds the container image and checks it: `mlctl --version` runs as the non-root user, and
# `mlctl serve` over a registry trained inside the image answers /health, /ready and a score,
# with the HEALTHCHECK reporting healthy. Needs a running Docker daemon and access to the base
# images (swift:6.1-bookworm, debian:bookworm-slim); says so and exits 0 where they are missing,
# so that machines without Docker are not failed by it (it is not part of .ci/run).
#   scripts/container-smoke.sh [IMAGE_TAG]
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-mlctl:smoke}"
if ! command -v docker >/dev/null 2>&1; then echo "container-smoke: no docker command here: skipped"; exit 0; fi
if ! docker info >/dev/null 2>&1; then echo "container-smoke: no Docker daemon reachable here: skipped"; exit 0; fi
docker build -t "$tag" .
[[ "$(docker run --rm "$tag" --version)" == mlctl\ * ]]
[[ "$(docker run --rm --entrypoint id "$tag" -u)" == 10001 ]]
volume=$(docker volume create)
container=""
trap 'docker rm -f "$container" >/dev/null 2>&1 || true; docker volume rm "$volume" >/dev/null 2>&1 || true' EXIT
docker run --rm -u 0 -v "$volume:/models" --entrypoint sh "$tag" -c 'chown 10001 /models'
docker run --rm -v "$volume:/models" "$tag" train-all --trials 2 --resamples 20 --out /models
container=$(docker run -d -p 127.0.0.1::8080 -v "$volume:/models:ro" "$tag")
port=$(docker port "$container" 8080/tcp | head -1 | sed 's/.*://')
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 1; done
curl -fsS "http://127.0.0.1:$port/health"
curl -fsS -X POST "http://127.0.0.1:$port/api/v1/lead-scoring-ml/score" -H 'Content-Type: application/json' \
  -d '{"lead": {"vertical": "pc", "pages_visited": 7}}' | grep -q '"score"'
for _ in $(seq 1 30); do
  [[ "$(docker inspect -f '{{.State.Health.Status}}' "$container")" == healthy ]] && { echo "container-smoke: ok ($tag)"; exit 0; }
  sleep 2
done
echo "container-smoke: the HEALTHCHECK never reported healthy" >&2
exit 1
