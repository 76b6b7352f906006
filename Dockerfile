# Multi-stage build: a full Rust toolchain to compile, a slim Debian to run.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
COPY src ./src
COPY migrations ./migrations
# SQLite and libpq are compiled in (bundled), so the runtime image needs no client libraries.
RUN cargo build --release --locked && strip target/release/mall-service

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --create-home mall
WORKDIR /app
COPY --from=build /src/target/release/mall-service /usr/local/bin/mall-service
USER mall
ENV BIND_ADDR=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///app/data/mall.db \
    APP_ENV=production \
    RUST_LOG=info
# JWT_SECRET must be supplied at run time (32+ bytes); the service refuses to start without it.
VOLUME ["/app/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/mall-service"]
CMD ["serve"]
