# The worker (and, with another command, the simulator or the CLI). Two stages: dependencies are
# installed with the full toolchain, and only they and the sources reach the small runtime image.
# The SDK's native core needs glibc, so Debian slim rather than Alpine.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
# The default archive directory (./archives); unused when CLOUDDC_ARCHIVE_URL names an object store.
RUN mkdir -p /app/archives && chown node:node /app/archives
USER node
VOLUME ["/app/archives"]
CMD ["node", "--import", "tsx", "src/worker.ts"]
