# Builds the web app and the server in release; runs the server on PostgreSQL or SQLite.
FROM rust:1.95-bookworm AS build
RUN rustup target add wasm32-unknown-unknown \
 && cargo install trunk --locked --version 0.21.14 \
 && cargo install wasm-bindgen-cli --version 0.2.130
WORKDIR /src
COPY . .
RUN cd frontend && trunk build --release --offline
RUN cargo build --release -p reglament-server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/reglament /usr/local/bin/reglament
COPY --from=build /src/frontend/dist /srv/reglament/web
ENV REGLAMENT_LISTEN=0.0.0.0:8080 \
    REGLAMENT_DATA_DIR=/var/lib/reglament \
    REGLAMENT_WEB_ROOT=/srv/reglament/web
VOLUME /var/lib/reglament
EXPOSE 8080
ENTRYPOINT ["reglament"]
CMD ["serve"]
