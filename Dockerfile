# The worker (and, with another command, the set-up step or the CLI). The build stage compiles the
# product to dist/ and bundles the workflows once (npm run build), compiles the simulator apart to
# one file, dist-tools/simulator.js (npm run build:tools), then drops the development dependencies;
# the worker image (the default, last stage) gets only dist/ and the runtime dependencies and runs
# plain node, and the `simulator` target gets the simulator's one file alone (and the bucket set-up
# step of the compose file's simulator profile). The SDK's native core
# needs glibc, so Debian slim rather than Alpine.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-workflows.ts ./scripts/
COPY scripts/build-tools.ts ./scripts/
RUN npm run build \
 && npm run build:tools \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# A CloudDC API for trials without Huawei Cloud (docker compose --profile simulator).
FROM node:20-bookworm-slim AS simulator
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/dist-tools/simulator.js /app/dist-tools/create-archive-bucket.js ./
USER node
CMD ["node", "simulator.js", "--host", "0.0.0.0"]

FROM node:20-bookworm-slim
# The worker's default Worker Deployment build ID is the package version and this revision (the
# image has no .git): `docker build --build-arg GIT_REVISION=$(git rev-parse HEAD)`.
ARG GIT_REVISION=
ENV NODE_ENV=production GIT_REVISION=${GIT_REVISION}
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# The default archive directory (./archives); unused when CLOUDDC_ARCHIVE_URL names an object store.
RUN mkdir -p /app/archives && chown node:node /app/archives
USER node
VOLUME ["/app/archives"]
CMD ["node", "dist/worker.js"]
