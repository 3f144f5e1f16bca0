#!/usr/bin/env bash
# The shell reference for one hook run: the same `openssl x509` conversion and the same three
# requests (list, update, Slack) with curl. Credentials go to curl through a config on a pipe
# (-K from process substitution), never on its command line; the PEM stays in variables.
# Needs CERT KEY CHAIN RECORD_ID BELUGA_BASE_URL BELUGA_USERNAME BELUGA_PASSWORD SLACK_WEBHOOK_URL.
set -euo pipefail
leaf=$(openssl x509 -in "$CERT")
key=$(<"$KEY")
chain=$(<"$CHAIN")
nl=$'\n'
esc() { local s="$1$nl"; s=${s//\\/\\\\}; s=${s//\"/\\\"}; printf '%s' "${s//$nl/\\n}"; }
auth=$(printf '%s:%s' "$BELUGA_USERNAME" "$BELUGA_PASSWORD" | base64 -w0)
cfg() { printf 'header = "Authorization: Basic %s"\nheader = "Accept: application/json"\n' "$auth"; }
api="$BELUGA_BASE_URL/api/cdn/v2/ssl-certificates"
curl -sSf -K <(cfg) "$api" >/dev/null
body=$(printf '{"id":"%s","certificate":"%s","key":"%s","chain":"%s"}' "$RECORD_ID" "$(esc "$leaf")" "$(esc "$key")" "$(esc "$chain")")
printf '%s' "$body" | curl -sSf -K <(cfg) -X PUT -H 'Content-Type: application/json' --data-binary @- "$api" >/dev/null
printf '{"text":"Renewed SSL certificate for %s on Beluga certificate %s"}' "${DOMAIN:-example.com}" "$RECORD_ID" \
  | curl -sSf -K <(printf 'url = "%s"\n' "$SLACK_WEBHOOK_URL") -X POST -H 'Content-Type: application/json' --data-binary @- >/dev/null
