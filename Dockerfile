# syntax=docker/dockerfile:1
# One image for every service: SERVICE picks which one runs (users, catalog, orders, gateway,
# bff-web, bff-mobile, or migrate for the migration job); see deploy/image/entrypoint.sh and
# README → Deploy. Build: docker build -t storefront-graph .
ARG NODE_VERSION=20.20

# --- build: dependencies, generated code, compiled dist/ ------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app

# Manifests first, so the dependency layer is reused until one of them changes. Every
# workspace's package.json must be here (test/deploy-manifests.test.ts checks it).
COPY package.json package-lock.json ./
COPY packages/auth/package.json packages/auth/
COPY packages/bff/package.json packages/bff/
COPY packages/config/package.json packages/config/
COPY packages/db/package.json packages/db/
COPY packages/events/package.json packages/events/
COPY packages/outbound/package.json packages/outbound/
COPY packages/seed-data/package.json packages/seed-data/
COPY packages/redis/package.json packages/redis/
COPY packages/http-server/package.json packages/http-server/
COPY packages/rate-limits/package.json packages/rate-limits/
COPY packages/request-identity/package.json packages/request-identity/
COPY packages/resolver-kit/package.json packages/resolver-kit/
COPY packages/subgraph-server/package.json packages/subgraph-server/
COPY packages/testing/package.json packages/testing/
COPY packages/user-errors/package.json packages/user-errors/
COPY stack/package.json stack/
COPY subgraphs/users/package.json subgraphs/users/
COPY subgraphs/catalog/package.json subgraphs/catalog/
COPY subgraphs/orders/package.json subgraphs/orders/
COPY subgraphs/users/events/package.json subgraphs/users/events/
COPY subgraphs/catalog/events/package.json subgraphs/catalog/events/
COPY subgraphs/orders/events/package.json subgraphs/orders/events/
COPY gateway/package.json gateway/
COPY bff-web/package.json bff-web/
COPY bff-mobile/package.json bff-mobile/
COPY apps/web/package.json apps/web/
# Dependencies' install scripts are not needed: the Prisma client runs on the pg driver
# adapter (no engine download), and esbuild's binary comes as an optional dependency.
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY . .
# Prisma clients and resolver types (what the postinstall would have generated), then
# every workspace's src/ compiled to dist/.
RUN npm run generate && npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime: compiled code and production dependencies only, not root ------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# glibc arenas hold freed memory: see SERVICE_PROCESS_ENV in packages/config/src/runtime.ts.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
# Owned by root and read-only for the service user: a compromised process cannot change the code.
COPY --from=build /app /app
ARG SERVICE=""
ENV SERVICE=${SERVICE}
# The image's user `node` (uid 1000); the manifests run it with runAsNonRoot.
USER 1000:1000
EXPOSE 4000 4001 4002 4003 4100 4200
ENTRYPOINT ["/app/deploy/image/entrypoint.sh"]
