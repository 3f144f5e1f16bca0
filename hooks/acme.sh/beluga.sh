#!/usr/bin/env sh
# shellcheck disable=SC2034
# acme.sh deploy hook for the Beluga CDN: runs `beluga-cert deploy` on the files acme.sh wrote.
#
# Install:  cp beluga.sh ~/.acme.sh/deploy/beluga.sh
# Use:      acme.sh --deploy -d example.com --deploy-hook beluga
#
# Settings (credentials, Slack) stay in /etc/beluga-cert-hook/env (chmod 600) or the environment,
# never in acme.sh's domain config and never on a command line. Saved for renewals:
#   BELUGA_CERT_BIN     path of beluga-cert (default: beluga-cert on PATH)
#   BELUGA_HOOK_CONFIG  path of the config file (default /etc/beluga-cert-hook/env)
# Returns beluga-cert's exit status (0 = deployed; docs/operations.md lists the others).

# acme.sh's own loggers when it sourced us, plain output otherwise (tests, manual runs).
_beluga_info() {
  if command -v _info >/dev/null 2>&1; then _info "$@"; else echo "$@"; fi
}
_beluga_err() {
  if command -v _err >/dev/null 2>&1; then _err "$@"; else echo "$@" >&2; fi
}

# The beluga-cert executable: BELUGA_CERT_BIN (a path or a command name), else beluga-cert on PATH.
_beluga_find_bin() {
  _beluga_want="${BELUGA_CERT_BIN:-beluga-cert}"
  case "$_beluga_want" in
    */*) _beluga_bin="$_beluga_want" ;;
    *) _beluga_bin="$(command -v "$_beluga_want" 2>/dev/null)" || _beluga_bin="" ;;
  esac
  # `command -v` also answers for functions, aliases and non-executable paths: check the file.
  [ -n "$_beluga_bin" ] && [ -f "$_beluga_bin" ] && [ -x "$_beluga_bin" ]
}

#domain keyfile certfile cafile fullchain [pfx]
beluga_deploy() {
  _cdomain="$1"
  _ckey="$2"
  _ccert="$3"
  _cca="$4"
  _cfullchain="$5"

  if command -v _getdeployconf >/dev/null 2>&1; then
    _getdeployconf BELUGA_CERT_BIN
    _getdeployconf BELUGA_HOOK_CONFIG
  fi

  if ! _beluga_find_bin; then
    if [ -n "${BELUGA_CERT_BIN:-}" ]; then
      _beluga_err "beluga: BELUGA_CERT_BIN=$BELUGA_CERT_BIN is not an executable file; set it to the path of beluga-cert"
    else
      _beluga_err "beluga: beluga-cert is not on PATH ($PATH); install it or set BELUGA_CERT_BIN to its path"
    fi
    return 1
  fi

  if command -v _savedeployconf >/dev/null 2>&1; then
    [ -n "${BELUGA_CERT_BIN:-}" ] && _savedeployconf BELUGA_CERT_BIN "$BELUGA_CERT_BIN"
    [ -n "${BELUGA_HOOK_CONFIG:-}" ] && _savedeployconf BELUGA_HOOK_CONFIG "$BELUGA_HOOK_CONFIG"
  fi

  _beluga_info "beluga: deploying $_cdomain with $_beluga_bin"
  # Only paths and the domain as arguments: beluga-cert reads every secret itself.
  if [ -n "$_cca" ]; then
    "$_beluga_bin" deploy --cert "$_ccert" --key "$_ckey" --chain "$_cca" --domain "$_cdomain"
  else
    "$_beluga_bin" deploy --cert "$_ccert" --key "$_ckey" --domain "$_cdomain"
  fi
  _beluga_rc=$?
  if [ "$_beluga_rc" -eq 0 ]; then
    _beluga_info "beluga: $_cdomain deployed"
  else
    _beluga_err "beluga: deploying $_cdomain failed (beluga-cert exit status $_beluga_rc)"
  fi
  return "$_beluga_rc"
}
