#!/usr/bin/env bash
# install.sh: install (or --uninstall) beluga-cert-hook from this checkout.
#
# What it does, in order (run it from anywhere; it works on the checkout it lives in):
#   1. checks Node.js >= 20 and npm;
#   2. npm ci + npm run build in the checkout (skipped with --skip-build: uses dist/ as built);
#   3. copies the npm package into PREFIX/lib/beluga-cert-hook/: the files `npm pack` puts in it
#      (package.json "files": bin/, dist/, hooks/, examples/, the demo's fixtures, README.md,
#      LICENSE) plus package-lock.json, replacing a file only when its content differs, then
#      `npm ci --omit=dev` there (production dependencies, install scripts off) only when
#      package-lock.json changed since the last run;
#   4. links PREFIX/bin/ to the package's bins (package.json "bin": beluga-cert and
#      beluga-cert-hook-{lego,certbot,dehydrated}), as `npm install -g` would;
#      the acme.sh hook stays at PREFIX/lib/beluga-cert-hook/hooks/acme.sh/beluga.sh;
#   5. with --certbot, links DIR/renewal-hooks/deploy/beluga-cert-hook to the certbot hook;
#   6. writes a commented config template (mode 0600, its folder 0700) unless a file is there;
#   7. with --systemd, installs the retry timer (and the sync timer with --systemd-sync, the
#      expiry timer with --systemd-expiry) into /etc/systemd/system and enables them; refused
#      before any change where systemd is not running;
#   8. records every file, link, unit and folder it made in PREFIX/lib/beluga-cert-hook/.installed,
#      which --uninstall reads to remove exactly those (never the config file).
# The npm package alone (`npm install -g beluga-cert-hook-*.tgz`) gives the same command and hooks;
# this script adds the certbot hook link, the config template, systemd timers and the uninstall record.
# Idempotent: a second run with the same options changes nothing (no file rewritten, same mtimes)
# and says "nothing to do" for each step. A later run removes files an earlier version installed
# and this one no longer ships. A file or link where it would put a command (PREFIX/bin, the certbot
# folder) that it did not make stops the install before anything is changed.
#
# Exit codes: 0 done; 2 bad command line; 3 something needed is missing (Node.js >= 20, npm,
# the certbot folder, a running systemd for --systemd); 4 this checkout is incomplete (dist/ or a
# hook missing); 5 npm ci or the build failed; 6 cannot write (permissions, or a file not made by
# install.sh in the way); 7 --uninstall could not remove something; 8 the installed beluga-cert
# does not run.
set -euo pipefail

readonly E_USAGE=2 E_MISSING=3 E_CHECKOUT=4 E_BUILD=5 E_WRITE=6 E_UNINSTALL=7 E_CHECK=8
readonly DEFAULT_PREFIX=/usr/local
readonly DEFAULT_CONFIG=/etc/beluga-cert-hook/env
readonly DEFAULT_CERTBOT=/etc/letsencrypt
readonly HOOKS=(lego certbot dehydrated)
readonly TAB=$'\t'
# Where systemd units go and how systemd is reached; BELUGA_INSTALL_ROOT and SYSTEMCTL exist for
# tests and image builds (a root prefix, as DESTDIR; a stand-in for systemctl).
readonly SD_ROOT=${BELUGA_INSTALL_ROOT:-}
readonly SD_RUNNING=$SD_ROOT/run/systemd/system
readonly SD_UNITS=$SD_ROOT/etc/systemd/system
readonly SYSTEMCTL=${SYSTEMCTL:-systemctl}

usage() {
  cat <<EOF
Usage: ./install.sh [options]          install beluga-cert-hook from this checkout
       ./install.sh --uninstall [--prefix DIR]

Options:
  --prefix DIR     install under DIR (default $DEFAULT_PREFIX): the command and hooks in DIR/bin,
                   the program in DIR/lib/beluga-cert-hook. Unprivileged: --prefix ~/.local
  --config PATH    where to write the commented config template (default $DEFAULT_CONFIG),
                   only if no file is there: an existing file is never overwritten.
                   Any other path than the default must be given to the hooks as
                   BELUGA_HOOK_CONFIG=PATH. Per user: --config ~/.config/beluga-cert-hook/env.
                   --config none writes no template.
  --certbot [DIR]  also link DIR/renewal-hooks/deploy/beluga-cert-hook to the certbot hook
                   (DIR is certbot's config folder, default $DEFAULT_CERTBOT), so every
                   renewal deploys to Beluga
  --systemd        also install and enable the retry timer (beluga-cert retry every 5 minutes)
                   in /etc/systemd/system; refused, with nothing installed, where systemd is
                   not running (use examples/cron.example with cron there)
  --systemd-sync 'STORES'
                   with --systemd, also the sync timer (hourly beluga-cert sync STORES), e.g.
                   --systemd-sync '--lego-path /var/lib/lego --certbot-dir /etc/letsencrypt'
  --systemd-expiry[='STORES']
                   with --systemd, also the expiry timer (daily beluga-cert expiry --days 21):
                   it alerts through the notifiers when the certificate the CDN's edge serves
                   for a name this host deployed expires within 21 days. Its names: the
                   journal's, plus those in STORES (default: the stores of --systemd-sync)
  --skip-build     use dist/ as already built in this checkout (no npm ci, no npm run build)
  --offline        tell npm to use only its cache (default: --prefer-offline)
  --uninstall      remove what an earlier install under --prefix recorded in
                   PREFIX/lib/beluga-cert-hook/.installed, and nothing else; the config
                   file is kept (it holds your secrets): delete it yourself
  -h, --help       show this help

Needs Node.js 20 or newer and npm. Running it again changes nothing ("nothing to do").
The hooks run \`node\` from the PATH the ACME client gives them: make sure it finds Node 20.

Installed:
  PREFIX/bin/beluga-cert                  the command (deploy, sandbox, demo)
  PREFIX/bin/beluga-cert-hook-lego        lego:       --renew-hook / --deploy-hook
  PREFIX/bin/beluga-cert-hook-certbot     certbot:    --deploy-hook, or --certbot above
  PREFIX/bin/beluga-cert-hook-dehydrated  dehydrated: HOOK=
  PREFIX/lib/beluga-cert-hook/hooks/acme.sh/beluga.sh   acme.sh: link into ~/.acme.sh/deploy/
  /etc/systemd/system/beluga-cert-retry.{service,timer}  with --systemd (-sync.* with --systemd-sync,
                                          -expiry.* with --systemd-expiry)

Exit codes: 0 done, 2 bad command line, 3 Node.js/npm/certbot folder/systemd missing, 4 checkout
incomplete, 5 npm or build failed, 6 cannot write or something in the way, 7 uninstall could
not remove something, 8 the installed command does not run.
EOF
}

say() { printf '%s\n' "$*"; }
die() {
  local code=$1
  shift
  printf 'install.sh: error: %s\n' "$*" >&2
  exit "$code"
}

# ---------------------------------------------------------------------------------------------
# Command line

PREFIX=$DEFAULT_PREFIX
CONFIG=
CERTBOT=
UNINSTALL=0
SKIP_BUILD=0
SYSTEMD=0
SYNC_STORES=
EXPIRY=0
EXPIRY_STORES=
NPM_CACHE_FLAG=--prefer-offline

need_value() { [ -n "${2:-}" ] || die "$E_USAGE" "$1 needs a value; see ./install.sh --help"; }

while [ $# -gt 0 ]; do
  case $1 in
    --prefix) need_value "$1" "${2:-}"; PREFIX=$2; shift 2 ;;
    --prefix=*) need_value --prefix "${1#*=}"; PREFIX=${1#*=}; shift ;;
    --config) need_value "$1" "${2:-}"; CONFIG=$2; shift 2 ;;
    --config=*) need_value --config "${1#*=}"; CONFIG=${1#*=}; shift ;;
    --certbot)
      # The folder is optional: take the next word unless it is another option.
      if [ $# -ge 2 ] && [ -n "$2" ] && [ "${2#-}" = "$2" ]; then CERTBOT=$2; shift 2; else CERTBOT=$DEFAULT_CERTBOT; shift; fi ;;
    --certbot=*) need_value --certbot "${1#*=}"; CERTBOT=${1#*=}; shift ;;
    --systemd) SYSTEMD=1; shift ;;
    --systemd-sync) need_value "$1" "${2:-}"; SYNC_STORES=$2; shift 2 ;;
    --systemd-sync=*) need_value --systemd-sync "${1#*=}"; SYNC_STORES=${1#*=}; shift ;;
    # The stores are optional, so they are only taken when joined with `=`: a next word is never eaten.
    --systemd-expiry) EXPIRY=1; shift ;;
    --systemd-expiry=*) need_value --systemd-expiry "${1#*=}"; EXPIRY=1; EXPIRY_STORES=${1#*=}; shift ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --offline) NPM_CACHE_FLAG=--offline; shift ;;
    --uninstall) UNINSTALL=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "$E_USAGE" "unknown option '$1'; see ./install.sh --help" ;;
  esac
done

# An absolute path without trailing slashes, `~/` expanded (also in --opt=~/x, which bash leaves).
absolute() {
  local p=$1
  # shellcheck disable=SC2088 # matching a literal ~ the shell did not expand (--prefix=~/x)
  case $p in
    "~") p=${HOME:?HOME is not set} ;;
    "~/"*) p=${HOME:?HOME is not set}/${p#"~/"} ;;
  esac
  case $p in /*) ;; *) p=$PWD/$p ;; esac
  while [ "${#p}" -gt 1 ] && [ "${p%/}" != "$p" ]; do p=${p%/}; done
  case $p in *"$TAB"* | *$'\n'*) die "$E_USAGE" "paths with tabs or newlines are not supported: $1" ;; esac
  printf '%s' "$p"
}

[ -z "$SYNC_STORES" ] || [ "$SYSTEMD" = 1 ] || die "$E_USAGE" "--systemd-sync needs --systemd; see ./install.sh --help"
[ "$EXPIRY" = 0 ] || [ "$SYSTEMD" = 1 ] || die "$E_USAGE" "--systemd-expiry needs --systemd; see ./install.sh --help"
[ -n "$EXPIRY_STORES" ] || EXPIRY_STORES=$SYNC_STORES
for stores in "--systemd-sync:$SYNC_STORES" "--systemd-expiry:$EXPIRY_STORES"; do
  case ${stores#*:} in
    *$'\n'* | *'%'* | *'\\'*) die "$E_USAGE" "${stores%%:*}: give store options only (no newline, % or backslash)" ;;
  esac
done

PREFIX=$(absolute "$PREFIX")
CONFIG_GIVEN=1
if [ -z "$CONFIG" ]; then CONFIG=$DEFAULT_CONFIG; CONFIG_GIVEN=0; fi
[ "$CONFIG" = none ] || CONFIG=$(absolute "$CONFIG")
[ -z "$CERTBOT" ] || CERTBOT=$(absolute "$CERTBOT")

readonly BIN=$PREFIX/bin
readonly LIB=$PREFIX/lib/beluga-cert-hook
readonly MANIFEST=$LIB/.installed
readonly DEPS_STAMP=$LIB/node_modules/.beluga-cert-hook-lock.json
CERTBOT_LINK=
[ -z "$CERTBOT" ] || CERTBOT_LINK=$CERTBOT/renewal-hooks/deploy/beluga-cert-hook

# Files the installer makes are world-readable programs; the config template sets its own umask.
umask 022

# ---------------------------------------------------------------------------------------------
# The manifest: one `TYPE<TAB>PATH[<TAB>LINK TARGET]` line per thing installed.
#   file  a regular file under LIB            link  a symlink (removed only if still ours)
#   dir   a folder this installer created     tree  a folder owned whole (LIB/node_modules)
#   config  the config file: listed so --uninstall can say it is kept, never removed
#   unit  a systemd unit file written by --systemd (a timer is disabled before it is removed)

WORK=
INSTALLING=0
cleanup() {
  local code=$?
  # A failed install still records what it made, so --uninstall can remove it.
  if [ "$INSTALLING" = 1 ] && [ "$code" != 0 ] && [ -n "$WORK" ] && [ -d "$LIB" ]; then
    cat "$WORK/old" "$WORK/new" 2>/dev/null | write_manifest || true
  fi
  [ -z "$WORK" ] || rm -rf "$WORK"
  exit "$code"
}
trap cleanup EXIT

record() { (IFS=$TAB; printf '%s\n' "$*") >>"$WORK/new"; }
recorded() { grep -qxF -- "$1" "$WORK/new"; }
# Manifest lines from stdin; the file is replaced only when its content changes.
write_manifest() {
  { say "# beluga-cert-hook: what install.sh installed; --uninstall removes these. Do not edit."
    { grep -v -e '^#' -e '^$' || true; } | LC_ALL=C sort -u; } >"$WORK/manifest"
  if [ -f "$MANIFEST" ] && cmp -s "$WORK/manifest" "$MANIFEST"; then return 1; fi
  cp "$WORK/manifest" "$MANIFEST.new.$$" && mv -f "$MANIFEST.new.$$" "$MANIFEST"
}
read_manifest() { [ ! -f "$MANIFEST" ] || grep -v -e '^#' -e '^$' "$MANIFEST" || true; }

# Octal permission bits of $1: GNU stat, or BSD stat (macOS) where -c does not exist.
if stat -c %a / >/dev/null 2>&1; then
  file_mode() { stat -c %a "$1"; }
else
  file_mode() { stat -f %Lp "$1"; }
fi
nearest_existing() {
  local p=$1
  while [ ! -e "$p" ] && [ ! -L "$p" ]; do p=$(dirname "$p"); done
  printf '%s' "$p"
}
# Can we create or write the folder $1 (it or its nearest existing parent is writable)?
can_write() {
  local p
  p=$(nearest_existing "$1")
  [ -d "$p" ] && [ -w "$p" ]
}

# Create the folder $1 and any missing parents with mode $2, recording those it made.
ensure_dir() {
  local mode=$2 p=$1 missing=()
  while [ ! -d "$p" ]; do
    if [ -e "$p" ] || [ -L "$p" ]; then die "$E_WRITE" "$p is in the way: it is not a folder"; fi
    missing=("$p" ${missing[@]+"${missing[@]}"})
    p=$(dirname "$p")
  done
  for p in ${missing[@]+"${missing[@]}"}; do
    mkdir -m "$mode" "$p" 2>/dev/null || die "$E_WRITE" "cannot create $p (permission denied?); run as root or use --prefix ~/.local"
    record dir "$p"
  done
}

# ---------------------------------------------------------------------------------------------
# Uninstall

uninstall() {
  if [ ! -f "$MANIFEST" ]; then
    if [ -d "$LIB" ]; then
      say "uninstall: $MANIFEST is missing, so nothing is known to be installed; remove $LIB by hand if it is a leftover; nothing to do"
    else
      say "uninstall: nothing installed under $PREFIX; nothing to do"
    fi
    return 0
  fi
  local failed=0 files=0 dirs=0 units=0 type path target entries
  entries=$(read_manifest)
  while IFS=$TAB read -r type path target; do
    case $type in
      link)
        # Only links that still point where we made them point: never a file someone put there.
        if [ -L "$path" ] && [ "$(readlink "$path")" = "$target" ]; then
          if rm -f "$path"; then say "removed: $path"; else failed=1; fi
        elif [ -e "$path" ] || [ -L "$path" ]; then
          say "kept: $path (changed since install: no longer a link to $target)"
        fi ;;
      file)
        case $path in "$LIB"/*) ;; *) say "kept: $path (outside $LIB: not removed)"; continue ;; esac
        if [ -f "$path" ] || [ -L "$path" ]; then
          if rm -f "$path"; then files=$((files + 1)); else failed=1; fi
        fi ;;
      tree)
        case $path in "$LIB"/*) ;; *) say "kept: $path (outside $LIB: not removed)"; continue ;; esac
        if [ -d "$path" ]; then
          if rm -rf "$path"; then say "removed: $path/ (production dependencies)"; else failed=1; fi
        fi ;;
      config)
        [ ! -e "$path" ] || say "kept: $path (your settings and secrets; delete it yourself if you no longer need it)" ;;
      unit)
        [ -f "$path" ] || continue
        case $path in
          *.timer)
            if [ -d "$SD_RUNNING" ] && ! "$SYSTEMCTL" disable --now "$(basename "$path")" >/dev/null 2>&1; then
              say "warning: $SYSTEMCTL disable --now $(basename "$path") failed; the file is removed all the same"
            fi ;;
        esac
        if rm -f "$path"; then say "removed: $path"; units=$((units + 1)); else failed=1; fi ;;
    esac
  done <<<"$entries"
  if [ "$units" != 0 ] && [ -d "$SD_RUNNING" ]; then "$SYSTEMCTL" daemon-reload >/dev/null 2>&1 || true; fi
  if rm -f "$MANIFEST"; then files=$((files + 1)); else failed=1; fi
  say "removed: $files files in $LIB"
  # Folders last, deepest first, and only when empty: anything else put in them stays.
  while IFS=$TAB read -r type path target; do
    if [ "$type" != dir ] || [ ! -d "$path" ]; then continue; fi
    if ! rmdir "$path" 2>/dev/null; then
      say "kept: $path/ (not empty)"
    elif [ "$path" = "$LIB" ] || [ "${path#"$LIB"/}" != "$path" ]; then
      dirs=$((dirs + 1))
    else
      [ "$dirs" = 0 ] || say "removed: $dirs folders ($LIB and those in it)"
      dirs=0
      say "removed: $path/"
    fi
  done < <(printf '%s\n' "$entries" | LC_ALL=C sort -r)
  [ "$dirs" = 0 ] || say "removed: $dirs folders ($LIB and those in it)"
  [ "$failed" = 0 ] || die "$E_UNINSTALL" "some files could not be removed (see above); run again as the user that installed them"
  say "done: beluga-cert-hook uninstalled from $PREFIX"
}

if [ "$UNINSTALL" = 1 ]; then
  uninstall
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Install: preflight (nothing is changed before every check has passed)

command -v node >/dev/null 2>&1 || die "$E_MISSING" "node is not on PATH; install Node.js 20 or newer (https://nodejs.org/)"
NODE_VERSION=$(node -p 'process.versions.node' 2>/dev/null) || die "$E_MISSING" "node does not run; install Node.js 20 or newer"
case ${NODE_VERSION%%.*} in
  '' | *[!0-9]*) die "$E_MISSING" "cannot tell the Node.js version (node printed '$NODE_VERSION'); install Node.js 20 or newer" ;;
esac
[ "${NODE_VERSION%%.*}" -ge 20 ] || die "$E_MISSING" "Node.js $NODE_VERSION is too old; beluga-cert-hook needs Node.js 20 or newer"
command -v npm >/dev/null 2>&1 || die "$E_MISSING" "npm is not on PATH; it comes with Node.js (some systems package it apart: apt-get install npm)"

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$SRC"
for f in package.json package-lock.json examples/env.example; do
  [ -f "$f" ] || die "$E_CHECKOUT" "$SRC is not a complete beluga-cert-hook checkout ($f is missing)"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/beluga-install.XXXXXX")
: >"$WORK/new"
read_manifest >"$WORK/old"
cut -f2,3 "$WORK/old" >"$WORK/old.links"

# Every link we are about to make: refuse now if something we did not make is in the way. The
# commands are the package's bins (package.json "bin"), linked as `npm install -g` links them.
LINKS=()
while IFS=$TAB read -r name rel; do
  LINKS+=("$BIN/$name$TAB../lib/beluga-cert-hook/$rel")
done < <(node -e 'for (const [n, p] of Object.entries(require("./package.json").bin))
  console.log(`${n}\t${p.replace(/^\.\//, "")}`)')
[ "${#LINKS[@]}" -gt 0 ] || die "$E_CHECKOUT" "$SRC/package.json names no bin; this checkout is incomplete"
[ -z "$CERTBOT_LINK" ] || LINKS+=("$CERTBOT_LINK$TAB$LIB/hooks/certbot")
for entry in "${LINKS[@]}"; do
  path=${entry%%"$TAB"*}
  target=${entry#*"$TAB"}
  [ -e "$path" ] || [ -L "$path" ] || continue
  [ -L "$path" ] && [ "$(readlink "$path")" = "$target" ] && continue
  [ -L "$path" ] && grep -qxF -- "$path$TAB$(readlink "$path")" "$WORK/old.links" && continue
  die "$E_WRITE" "$path exists and was not installed by install.sh; move it away or choose another --prefix"
done

if [ -n "$CERTBOT" ] && [ ! -d "$CERTBOT" ]; then
  die "$E_MISSING" "certbot folder $CERTBOT does not exist; is certbot set up? name its config folder: --certbot DIR"
fi
for dir in "$LIB" "$BIN" ${CERTBOT:+"$CERTBOT/renewal-hooks/deploy"}; do
  can_write "$dir" || die "$E_WRITE" "cannot write $dir as $(id -un); run as root or use --prefix ~/.local"
done

if [ "$SYSTEMD" = 1 ]; then
  # /run/systemd/system exists exactly when systemd is the running init (sd_booted).
  [ -d "$SD_RUNNING" ] || die "$E_MISSING" "--systemd: systemd is not running on this host ($SD_RUNNING does not" \
    "exist), so nothing was installed; run without --systemd and use cron (examples/cron.example)"
  command -v "$SYSTEMCTL" >/dev/null 2>&1 \
    || die "$E_MISSING" "--systemd: $SYSTEMCTL is not on PATH, so nothing was installed"
  [ -f examples/systemd/beluga-cert-retry.timer ] \
    || die "$E_CHECKOUT" "$SRC/examples/systemd/beluga-cert-retry.timer is missing; this checkout is incomplete"
  can_write "$SD_UNITS" || die "$E_WRITE" "cannot write $SD_UNITS as $(id -un); run as root, or run without --systemd"
fi

WRITE_CONFIG=1
if [ "$CONFIG" = none ] || [ -e "$CONFIG" ] || [ -L "$CONFIG" ]; then
  WRITE_CONFIG=0
elif ! can_write "$(dirname "$CONFIG")"; then
  # The system default needs root; an unprivileged install must not fail for it.
  [ "$CONFIG_GIVEN" = 0 ] || die "$E_WRITE" "cannot write the config template $CONFIG as $(id -un); choose another --config"
  WRITE_CONFIG=skip
fi

# ---------------------------------------------------------------------------------------------
# Build

if [ "$SKIP_BUILD" = 1 ]; then
  say "build: skipped (--skip-build), using $SRC/dist as built"
else
  say "build: npm ci in $SRC"
  npm ci --no-audit --no-fund --no-update-notifier "$NPM_CACHE_FLAG" || die "$E_BUILD" "npm ci failed in $SRC (see npm's message above)"
  say "build: npm run build"
  npm run build || die "$E_BUILD" "npm run build failed in $SRC (see the compiler's message above)"
fi
[ -f dist/cli.js ] || die "$E_CHECKOUT" "$SRC/dist/cli.js is missing; run without --skip-build (or npm run build)"
[ -f bin/beluga-cert ] || die "$E_CHECKOUT" "$SRC/bin/beluga-cert is missing; this checkout is incomplete"
for hook in "${HOOKS[@]}"; do
  [ -f "hooks/$hook" ] || die "$E_CHECKOUT" "$SRC/hooks/$hook is missing; this checkout is incomplete"
  [ -f "dist/hooks/$hook.js" ] || die "$E_CHECKOUT" "$SRC/dist/hooks/$hook.js is missing; run without --skip-build (or npm run build)"
done
[ -f hooks/acme.sh/beluga.sh ] || die "$E_CHECKOUT" "$SRC/hooks/acme.sh/beluga.sh is missing; this checkout is incomplete"
# What the npm package holds (package.json "files" and what npm always adds): the one list of
# what is installed, whether by npm or by this script.
npm pack --dry-run --json --ignore-scripts --no-update-notifier 2>"$WORK/pack.err" >"$WORK/pack.json" \
  || die "$E_CHECKOUT" "npm pack --dry-run failed in $SRC: $(head -n 3 "$WORK/pack.err")"
node -e 'const [pack] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const f of pack.files) console.log(f.path)' "$WORK/pack.json" >"$WORK/files" \
  || die "$E_CHECKOUT" "cannot read npm pack's file list"
grep -qxF dist/cli.js "$WORK/files" \
  || die "$E_CHECKOUT" "the package npm pack would make holds no dist/cli.js; check package.json \"files\""

INSTALLING=1

# ---------------------------------------------------------------------------------------------
# Copy the runtime files into LIB, each only when its content or mode differs

mode_for() {
  case $1 in
    bin/beluga-cert | dist/cli.js | hooks/lego | hooks/certbot | hooks/dehydrated) say 755 ;;
    hooks/acme.sh/*) say 644 ;; # acme.sh sources it: it is not run on its own
    *) if [ -x "$1" ]; then say 755; else say 644; fi ;;
  esac
}

ensure_dir "$LIB" 755
copied=0
total=0
while IFS= read -r rel; do
  dest=$LIB/$rel
  mode=$(mode_for "$rel")
  total=$((total + 1))
  if [ -f "$dest" ] && [ ! -L "$dest" ] && cmp -s "$rel" "$dest"; then
    if [ "$(file_mode "$dest")" != "$mode" ]; then
      chmod "$mode" "$dest" || die "$E_WRITE" "cannot chmod $dest"
      say "files: mode of $dest set to $mode"
    fi
  else
    [ ! -d "$dest" ] || die "$E_WRITE" "$dest is in the way: it is a folder"
    ensure_dir "$(dirname "$dest")" 755
    # Write beside it and rename, so a hook starting meanwhile sees the old file or the new one.
    tmp=$dest.new.$$
    { cp "$rel" "$tmp" && chmod "$mode" "$tmp" && mv -f "$tmp" "$dest"; } 2>/dev/null \
      || { rm -f "$tmp"; die "$E_WRITE" "cannot write $dest"; }
    copied=$((copied + 1))
  fi
  record file "$dest"
done < <(
  # npm never packs package-lock.json: `npm ci --omit=dev` below needs it.
  { say package-lock.json; cat "$WORK/files"; } | LC_ALL=C sort -u
)
if [ "$copied" = 0 ]; then
  say "files: $total files in $LIB up to date; nothing to do"
else
  say "files: copied $copied of $total files into $LIB"
fi

# Files and folders an earlier run installed that this version no longer ships.
while IFS=$TAB read -r type path target; do
  case $type in
    file)
      recorded "file$TAB$path" && continue
      case $path in "$LIB"/*) ;; *) continue ;; esac
      if [ -f "$path" ] && rm -f "$path"; then say "files: removed $path (no longer shipped)"; fi ;;
  esac
done <"$WORK/old"
while IFS=$TAB read -r type path target; do
  if [ "$type" != dir ] || recorded "dir$TAB$path"; then continue; fi
  case $path in "$LIB"/*) if rmdir "$path" 2>/dev/null; then say "files: removed $path/ (no longer shipped)"; fi ;; esac
  if [ -d "$path" ]; then record dir "$path"; fi # made by an earlier run: still ours to remove later
done < <(LC_ALL=C sort -r "$WORK/old")

# ---------------------------------------------------------------------------------------------
# Production dependencies, installed again only when the lock file changed

record tree "$LIB/node_modules" # before npm runs: a failed npm ci may leave half a tree
if [ -d "$LIB/node_modules" ] && [ -f "$DEPS_STAMP" ] && cmp -s "$LIB/package-lock.json" "$DEPS_STAMP"; then
  say "deps: production dependencies in $LIB/node_modules up to date; nothing to do"
else
  say "deps: npm ci --omit=dev in $LIB"
  # --ignore-scripts: no dependency needs one, and none should run code as root at install time.
  (cd "$LIB" && npm ci --prefix "$LIB" --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier "$NPM_CACHE_FLAG") \
    || die "$E_BUILD" "npm ci --omit=dev failed in $LIB (see npm's message above); it needs the npm registry or npm's cache"
  cp "$LIB/package-lock.json" "$DEPS_STAMP" || die "$E_WRITE" "cannot write $DEPS_STAMP"
fi

# ---------------------------------------------------------------------------------------------
# Links

# make_link PATH TARGET LABEL: (re)point PATH at TARGET unless it already does.
make_link() {
  local path=$1 target=$2 label=$3
  if [ -L "$path" ] && [ "$(readlink "$path")" = "$target" ]; then
    say "$label: $path up to date; nothing to do"
  else
    # Preflight allowed only a link an earlier run made here: replace it.
    if [ -L "$path" ]; then rm -f "$path" || die "$E_WRITE" "cannot replace $path"; fi
    ln -s "$target" "$path" 2>/dev/null || die "$E_WRITE" "cannot create the link $path"
    say "$label: linked $path -> $target"
  fi
  record link "$path" "$target"
}

ensure_dir "$BIN" 755
for entry in "${LINKS[@]}"; do
  path=${entry%%"$TAB"*}
  [ "$path" = "$CERTBOT_LINK" ] && continue
  make_link "$path" "${entry#*"$TAB"}" link
done

if [ -n "$CERTBOT_LINK" ]; then
  ensure_dir "$(dirname "$CERTBOT_LINK")" 755
  make_link "$CERTBOT_LINK" "$LIB/hooks/certbot" certbot
fi

# Links an earlier run made: those in PREFIX/bin that this version no longer ships are removed;
# a certbot link made by an earlier --certbot run stays until --uninstall.
while IFS=$TAB read -r type path target; do
  if [ "$type" != link ] || recorded "link$TAB$path$TAB$target"; then continue; fi
  if [ ! -L "$path" ] || [ "$(readlink "$path")" != "$target" ]; then continue; fi
  case $path in
    "$BIN"/*) if rm -f "$path"; then say "link: removed $path (no longer shipped)"; fi ;;
    *) if ! grep -qF "link$TAB$path$TAB" "$WORK/new"; then record link "$path" "$target"; fi ;;
  esac
done <"$WORK/old"

# ---------------------------------------------------------------------------------------------
# Config template: written once, never overwritten, never read (it may hold secrets)

case $WRITE_CONFIG in
  1)
    # 077 for the template and any folder made for it: it will hold secrets.
    (umask 077 && mkdir -p "$(dirname "$CONFIG")" && set -o noclobber && cat examples/env.example >"$CONFIG") 2>/dev/null \
      || die "$E_WRITE" "cannot write the config template $CONFIG"
    chmod 600 "$CONFIG"
    say "config: wrote the template $CONFIG (mode 0600); put your Beluga credentials there"
    record config "$CONFIG" ;;
  skip)
    say "config: skipped: $(dirname "$CONFIG") is not writable as $(id -un); for a per-user config run again with --config ~/.config/beluga-cert-hook/env and give the hooks BELUGA_HOOK_CONFIG=that path" ;;
  0)
    if [ "$CONFIG" = none ]; then
      say "config: none (--config none); nothing to do"
    else
      say "config: $CONFIG exists, left as is (never overwritten); nothing to do"
      mode=$(file_mode "$CONFIG" 2>/dev/null || say 600)
      if [ -f "$CONFIG" ] && [ $((8#$mode & 8#077)) != 0 ]; then
        say "warning: $CONFIG has mode $mode: the hooks refuse it once it holds a secret; fix with: chmod 600 $CONFIG"
      fi
      record config "$CONFIG"
    fi ;;
esac
# Config files named by earlier runs stay listed, so --uninstall can say they are kept.
while IFS=$TAB read -r type path target; do
  if [ "$type" = config ] && [ -e "$path" ]; then record config "$path"; fi
done <"$WORK/old"

# ---------------------------------------------------------------------------------------------
# systemd timers (--systemd): the units of examples/systemd, pointed at this install

# unit_text NAME: the example unit NAME, running PREFIX/bin/beluga-cert with this config file.
unit_text() {
  local exec='' env=''
  case $1 in
    beluga-cert-retry.service) exec="ExecStart=$BIN/beluga-cert retry" ;;
    beluga-cert-sync.service) exec="ExecStart=$BIN/beluga-cert sync $SYNC_STORES" ;;
    beluga-cert-expiry.service) exec="ExecStart=$BIN/beluga-cert expiry --days 21${EXPIRY_STORES:+ $EXPIRY_STORES}" ;;
  esac
  if [ "$CONFIG" != none ] && [ "$CONFIG" != "$DEFAULT_CONFIG" ]; then env="Environment=BELUGA_HOOK_CONFIG=$CONFIG"; fi
  awk -v exec="$exec" -v env="$env" \
    '/^ExecStart=/ && exec != "" { print exec; if (env != "") print env; next } { print }' "examples/systemd/$1"
}

if [ "$SYSTEMD" = 1 ]; then
  TIMERS=(beluga-cert-retry)
  [ -z "$SYNC_STORES" ] || TIMERS+=(beluga-cert-sync)
  [ "$EXPIRY" = 0 ] || TIMERS+=(beluga-cert-expiry)
  ensure_dir "$SD_UNITS" 755
  units_changed=0
  for timer in "${TIMERS[@]}"; do
    for unit in "$timer.service" "$timer.timer"; do
      dest=$SD_UNITS/$unit
      unit_text "$unit" >"$WORK/unit" || die "$E_CHECKOUT" "cannot read examples/systemd/$unit"
      if [ -f "$dest" ] && cmp -s "$WORK/unit" "$dest"; then
        say "systemd: $dest up to date; nothing to do"
      else
        { cp "$WORK/unit" "$dest.new.$$" && chmod 644 "$dest.new.$$" && mv -f "$dest.new.$$" "$dest"; } 2>/dev/null \
          || { rm -f "$dest.new.$$"; die "$E_WRITE" "cannot write $dest"; }
        say "systemd: wrote $dest"
        units_changed=1
      fi
      record unit "$dest"
    done
  done
  if [ "$units_changed" = 1 ]; then
    "$SYSTEMCTL" daemon-reload || die "$E_WRITE" "$SYSTEMCTL daemon-reload failed (see its message above)"
  fi
  for timer in "${TIMERS[@]}"; do
    if [ "$units_changed" = 0 ] && "$SYSTEMCTL" is-enabled --quiet "$timer.timer" 2>/dev/null \
      && "$SYSTEMCTL" is-active --quiet "$timer.timer" 2>/dev/null; then
      say "systemd: $timer.timer enabled and running; nothing to do"
    else
      "$SYSTEMCTL" enable --now "$timer.timer" \
        || die "$E_WRITE" "$SYSTEMCTL enable --now $timer.timer failed (see its message above)"
      say "systemd: enabled and started $timer.timer"
    fi
  done
fi
# Units written by earlier runs stay listed until --uninstall, which disables and removes them.
while IFS=$TAB read -r type path target; do
  if [ "$type" = unit ] && [ -f "$path" ] && ! recorded "unit$TAB$path"; then record unit "$path"; fi
done <"$WORK/old"

# ---------------------------------------------------------------------------------------------
# Manifest, check, next steps

if write_manifest <"$WORK/new"; then
  say "manifest: wrote $MANIFEST"
else
  say "manifest: $MANIFEST up to date; nothing to do"
fi
INSTALLING=0

installed_version=$("$BIN/beluga-cert" --version 2>&1) \
  || die "$E_CHECK" "$BIN/beluga-cert --version failed: $installed_version"
# --version is answered by the launcher alone; --help loads the program and its dependencies.
help_output=$("$BIN/beluga-cert" --help 2>&1) \
  || die "$E_CHECK" "$BIN/beluga-cert --help failed: $(printf '%s' "$help_output" | head -n 3)"
say "check: $BIN/beluga-cert --version: $installed_version; --help runs"

say "done: beluga-cert-hook $installed_version installed in $PREFIX"
case ":$PATH:" in *":$BIN:"*) ;; *) say "note: $BIN is not on your PATH" ;; esac
say "note: the hooks run node from the ACME client's PATH; this one is $(command -v node) (v$NODE_VERSION)"
if [ "$CONFIG" != none ] && [ "$CONFIG" != "$DEFAULT_CONFIG" ]; then
  say "note: the config is not at the default path: give the hooks BELUGA_HOOK_CONFIG=$CONFIG"
fi
say "next: lego:       lego ... renew --renew-hook $BIN/beluga-cert-hook-lego"
if [ -n "$CERTBOT_LINK" ]; then
  say "next: certbot:    runs $CERTBOT_LINK after every renewal"
else
  say "next: certbot:    certbot renew --deploy-hook $BIN/beluga-cert-hook-certbot (or ./install.sh --certbot)"
fi
say "next: dehydrated: HOOK=$BIN/beluga-cert-hook-dehydrated"
say "next: acme.sh:    ln -s $LIB/hooks/acme.sh/beluga.sh ~/.acme.sh/deploy/beluga.sh && BELUGA_CERT_BIN=$BIN/beluga-cert acme.sh --deploy -d DOMAIN --deploy-hook beluga"
