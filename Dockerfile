# syntax=docker/dockerfile:1
# Node.js 24, the active LTS (Node 20 ended in April 2026; 22 is in maintenance). `npm test` runs the
# unit and contract suites on Node 22 and 24 as well as on the machine's own Node.
# Build stage: compile TypeScript with the dev toolchain.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY gateway ./gateway
COPY adapters ./adapters
COPY cloud-sync ./cloud-sync
COPY simulators ./simulators
RUN npm run build

# Runtime stage: production dependencies and compiled code only, as a non-root user. No site file
# and no users are in the image: mount the site's own (deploy/compose.yaml); without one the
# entrypoint stops with a message saying so.
FROM node:24-bookworm-slim AS runtime
# MALLOC_ARENA_MAX: two malloc arenas keep an idle gateway 5-10 MB smaller (gateway/runtime-flags.ts).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    GATEWAY_CONFIG=/etc/gateway/site.json \
    GATEWAY_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY cloud-sync/openapi.json ./cloud-sync/openapi.json
COPY deploy/docker-entrypoint.sh /usr/local/bin/gateway-entrypoint
RUN mkdir -p /data /etc/gateway && chown node:node /data
USER node
VOLUME ["/data"]
# 1883: embedded MQTT broker for the site's devices; 8080: API, staff pages, /metrics (the defaults;
# the site file may choose others, and the health check asks the port the site file configures).
EXPOSE 1883 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "dist/gateway/cli/healthcheck.js"]
ENTRYPOINT ["/usr/local/bin/gateway-entrypoint"]
CMD ["node", "--expose-gc", "dist/gateway/main.js"]
