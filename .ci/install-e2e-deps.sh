#!/usr/bin/env bash
# Installs the ACME clients and the pebble test server that the end-to-end tests drive.
# Debian 12 only needs its own apt repositories for this; safe to run again (skips when present).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

# command name -> Debian package. pebble-challtestsrv is not packaged separately in bookworm
# (apt-cache search pebble lists only `pebble`), and the tests do not need it: they run pebble
# with PEBBLE_VA_ALWAYS_VALID=1.
declare -A PACKAGE_FOR=(
  [pebble]=pebble
  [lego]=lego
  [certbot]=certbot
  [dehydrated]=dehydrated
  [openssl]=openssl
  [curl]=curl
  # promtool checks the Prometheus text format of `beluga-cert metrics` and the example alert rules.
  [promtool]=prometheus
)

missing=()
for cmd in "${!PACKAGE_FOR[@]}"; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    missing+=("${PACKAGE_FOR[$cmd]}")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-e2e-deps: all commands present, nothing to install"
else
  echo "install-e2e-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Record the versions in the CI log: hook behaviour differs between client versions.
for cmd in pebble lego certbot dehydrated openssl curl promtool; do
  command -v "$cmd" >/dev/null 2>&1 || { echo "install-e2e-deps: $cmd still missing" >&2; exit 1; }
done
dpkg-query -W -f='${Package} ${Version}\n' pebble lego certbot dehydrated openssl curl
