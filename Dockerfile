# Build: the TypeScript compiler and the test tools stay in this stage.
FROM node:20-slim AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund && npm run build

# Run: install.sh puts the program in /usr/local/lib/beluga-cert-hook with its production
# dependencies only, and the command in /usr/local/bin; --config none writes no settings file.
FROM node:20-slim
WORKDIR /tmp/beluga-cert-hook
COPY --from=build /src/install.sh /src/package.json /src/package-lock.json /src/README.md /src/LICENSE ./
COPY --from=build /src/dist ./dist
COPY --from=build /src/hooks ./hooks
COPY --from=build /src/examples ./examples
COPY --from=build /src/test/fixtures ./test/fixtures
RUN ./install.sh --prefix /usr/local --config none --skip-build \
 && cd / && rm -rf /tmp/beluga-cert-hook /root/.npm
WORKDIR /
USER 10001:10001
CMD ["beluga-cert", "--help"]
