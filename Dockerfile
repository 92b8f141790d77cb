# The gateway, compiled, on the current Node LTS.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY src/views ./src/views
COPY public ./public
COPY migrations ./migrations
COPY sql ./sql
COPY metabase-config ./metabase-config
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
