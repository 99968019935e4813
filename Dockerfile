# The worker (and, with another command, the simulator, the set-up step or the CLI). Two stages:
# the build stage compiles TypeScript to dist/ and bundles the workflows once (npm run build), then
# drops the development dependencies; the runtime image gets only dist/ and the runtime
# dependencies, and runs plain node. The SDK's native core needs glibc, so Debian slim rather than
# Alpine.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-workflows.ts ./scripts/
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production
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
