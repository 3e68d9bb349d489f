# mlctl in a container: `mlctl serve` by default, any mlctl command otherwise.
#   docker build -t mlctl .          (scripts/container-smoke.sh builds and checks it)
#   docker run -p 8080:8080 -v $PWD/models:/models:ro mlctl
# Stage 1 builds a release binary with the Swift runtime linked in statically, so the runtime
# image needs only the C libraries mlctl links: OpenBLAS, LAPACKE and libpq.
FROM swift:6.1-bookworm AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libopenblas-dev liblapacke-dev libpq-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources Sources
COPY Tests Tests
COPY datasets datasets
COPY bench bench
RUN swift build -c release --product mlctl --static-swift-stdlib \
 && install -D .build/release/mlctl /out/mlctl

FROM debian:bookworm-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libopenblas0 liblapacke libpq5 curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin mlctl
COPY --from=build /out/mlctl /usr/local/bin/mlctl
USER 10001
EXPOSE 8080
# The registry is mounted at /models; secrets come as files (--database-url-file,
# MLCTL_ADMIN_TOKEN_FILE) or DATABASE_URL, never as flags.
HEALTHCHECK --interval=10s --timeout=2s --start-period=20s CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["/usr/local/bin/mlctl"]
CMD ["serve", "--models", "/models", "--host", "0.0.0.0", "--port", "8080"]
