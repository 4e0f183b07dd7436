# syntax=docker/dockerfile:1
#
# One image for every Node process of the customer-care system (docker-compose.yml runs it three ways):
#   worker   node dist/src/worker/main.js           (default CMD)
#   api      node dist/src/api/main.js              (command override)
#   migrate  npm run db:migrate                     (one-shot: Prisma migrations on the WASM schema engine)
#
#   docker build -t customer-care-manager .
#
ARG NODE_IMAGE=node:20-bookworm-slim

##### build: full install, prisma generate, tsc, then drop dev dependencies #####
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# `npm ci` runs our postinstall (scripts/prisma-generate.mjs → `prisma generate`), which reads
# prisma.config.ts and prisma/schema.prisma and writes the client to src/db/generated/.
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY bin ./bin
RUN --mount=type=cache,target=/root/.npm npm ci

# tsc -p tsconfig.build.json compiles src/, workflows/ and activities/ to dist/
# (entry points: dist/src/worker/main.js, dist/src/api/main.js).
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
RUN npm run build \
 && npm prune --omit=dev \
 && test -f dist/src/worker/main.js \
 && test -f dist/src/api/main.js

##### runtime: production dependencies + build output, run as the unprivileged `node` user #####
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
# MALLOC_ARENA_MAX=2 (issue 8, worker memory): glibc gives each thread that allocates its own malloc
# arena, and the worker's threads (Temporal core's Tokio runtime, the workflow thread, libuv) each
# kept tens of MiB it no longer used. bench:lifecycle, 1,500 lifecycles idle, sticky cache 250: worker
# RSS 368 MiB with it against 545 MiB without (2026-12-03, README "bench:lifecycle").
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Everything stays owned by root and read-only for `node`: the processes never write into /app.
# (src/db/migrate.ts opens prisma/migrations/migration_lock.toml with O_EXCL only to create it when
# missing; it is committed, so the migrate job needs no write access either.)
COPY --from=build /app/package.json /app/package-lock.json /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Migrations: `npm run db:migrate` = node --import tsx scripts/db.ts, which loads the TypeScript sources
# src/db/migrate.ts and src/config/env.ts (tsx is a production dependency) and reads prisma/.
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/scripts ./scripts
# The `ccm` command line (bin/ccm.js runs src/cli/ccm.ts through tsx).
COPY --from=build /app/bin ./bin
COPY --from=build /app/src ./src
# The worker bundles the workflow code with webpack when it starts (no prebuilt bundle): it resolves
# the workflows module from dist/workflows (compiled); the TypeScript source is shipped alongside so
# a workflowsPath that points at the source tree resolves as well.
COPY --from=build /app/workflows ./workflows
COPY --from=build /app/activities ./activities

USER node
EXPOSE 3000

# Health: the API's GET http://127.0.0.1:$API_PORT/health, or a worker's GET /health on
# WORKER_HEALTH_PORT (src/worker/health.ts), must answer 2xx. A worker without WORKER_HEALTH_PORT and
# the migrate job serve no HTTP: for them the check reports healthy as long as the container runs.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const c=require('fs').readFileSync('/proc/1/cmdline','utf8');const p=c.includes('dist/src/api/main.js')?(process.env.API_PORT||3000):c.includes('dist/src/worker/main.js')?process.env.WORKER_HEALTH_PORT:undefined;if(!p)process.exit(0);fetch('http://127.0.0.1:'+p+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

CMD ["node", "dist/src/worker/main.js"]
