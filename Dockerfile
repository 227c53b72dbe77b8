# syntax=docker/dockerfile:1
#
# scrub-relay image: a multi-stage build on Node's LTS slim image, pinned by exact version.
# The builder compiles TypeScript and the better-sqlite3 native addon and bundles the relay
# (tools/bundle.mjs); the runtime stage gets only the bundle, the default rules, the console,
# package.json and the one package the bundle leaves outside (better-sqlite3, with the two small
# packages that find its addon), runs as a numeric non-root user and works with a read-only root
# filesystem (write access: /data and /tmp).
# Pin the digest too once you mirror the image: node:24.21.0-bookworm-slim@sha256:...
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
# python3/make/g++ build better-sqlite3 from source; tini is copied into the runtime stage. Of
# the addon's build only the addon itself stays (its sources and object files are ~25 MB).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ tini \
 && rm -rf /var/lib/apt/lists/*
# node-gyp uses the headers shipped in the image instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node . \
 && rm -rf build deps src \
 && mkdir -p build/Release \
 && mv better_sqlite3.node build/Release/

FROM ${NODE_IMAGE} AS runtime
# npm and corepack are not needed at run time: less code, fewer CVEs to track.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
        /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
 && groupadd --gid 10001 relay \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin relay \
 && mkdir -p /data \
 && chown 10001:10001 /data
COPY --from=build /usr/bin/tini-static /usr/bin/tini
WORKDIR /app
# Code stays owned by root: the relay cannot modify itself.
COPY --from=build /app/package.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/node_modules/better-sqlite3 ./node_modules/better-sqlite3
COPY --from=build /app/node_modules/bindings ./node_modules/bindings
COPY --from=build /app/node_modules/file-uri-to-path ./node_modules/file-uri-to-path
COPY --from=build /app/dist/bundle ./dist/bundle
COPY --from=build /app/config/rules.yaml ./config/rules.yaml
COPY --from=build /app/config/forwarded-schema.yaml ./config/forwarded-schema.yaml
COPY --from=build /app/console ./console
# Inside a container the loopback address is unreachable through `docker run -p` or a Service,
# so the image listens on all interfaces; the Helm sidecar recipe sets 127.0.0.1 explicitly.
# Memory sizing (heap cap from the container's memory limit, young generation, V8 threads, glibc
# malloc thresholds) is applied by bin/scrub-relay, the package's bin, and logged at start.
ENV NODE_ENV=production \
    RELAY_HOST=0.0.0.0 \
    RELAY_PORT=4319 \
    RELAY_DB_PATH=/data/relay.db
USER 10001:10001
VOLUME ["/data"]
EXPOSE 4319
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.RELAY_PORT||4319)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini as PID 1: forwards SIGTERM/SIGINT to node and reaps zombies; node as PID 1 would get no
# default signal handling from the kernel for any signal it does not handle itself.
ENTRYPOINT ["/usr/bin/tini", "--", "/app/bin/scrub-relay"]
CMD ["serve"]
