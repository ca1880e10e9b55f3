# tern in a container: the route-reflector image (dynamic peers from a listen range arrive with the sessions
# work). Build: docker build -t tern .   Run: docker run --network host -v $PWD/config:/etc/tern tern
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npm ci --ignore-scripts && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /opt/tern
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
RUN ln -s /opt/tern/dist/src/main.js /usr/local/bin/ternd && ln -s /opt/tern/dist/src/cli/bgpctl.js /usr/local/bin/bgpctl
EXPOSE 179
ENTRYPOINT ["ternd"]
CMD ["--config", "/etc/tern/tern.yaml"]
