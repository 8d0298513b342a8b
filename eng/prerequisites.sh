#!/usr/bin/env bash
# Installs what the sample runs on: the real servers (Debian packages) and the .NET tools.
# Called by run.sh and test.sh so that a fresh machine (or CI) needs nothing done by hand.
# Usage: bash eng/prerequisites.sh [--tests] [--containers]
#   --tests: also Debian's chromium (the Playwright tests) and what --containers installs (the container-mode tests)
#   --containers: also Debian's docker.io (the engine) and debootstrap (eng/containers.sh builds the local images with it)
set -euo pipefail

tests=0; containers=0
for arg in "$@"; do
  case $arg in
    --tests) tests=1; containers=1 ;;
    --containers) containers=1 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

need_pkgs=()
command -v redis-server >/dev/null 2>&1 || need_pkgs+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need_pkgs+=(redis-tools)
{ command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || need_pkgs+=(postgresql)
# The browser tests drive Debian's chromium (Playwright never downloads a browser here).
if [ $tests -eq 1 ]; then
  [ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
fi
# Debian's docker.io is dockerd 20.10 with a 20.10 CLI, which Aspire's DCP refuses (it needs a CLI >= 25):
# eng/containers.sh runtime says so and how to get a newer CLI when the first docker on PATH is too old.
if [ $containers -eq 1 ]; then
  { [ -x /usr/sbin/dockerd ] || command -v dockerd >/dev/null 2>&1; } || need_pkgs+=(docker.io)
  { [ -x /usr/sbin/debootstrap ] || command -v debootstrap >/dev/null 2>&1; } || need_pkgs+=(debootstrap)
fi

if [ ${#need_pkgs[@]} -gt 0 ]; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo_cmd="sudo"; else
      echo "Missing Debian packages: ${need_pkgs[*]}. Install them (apt-get install ${need_pkgs[*]}) or run as root." >&2
      exit 1
    fi
  fi
  echo "Installing Debian packages: ${need_pkgs[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  # The Debian packages start their own servers; the sample runs its own on free ports instead.
  for svc in redis-server postgresql; do
    $sudo_cmd service "$svc" stop >/dev/null 2>&1 || true
  done
fi

# The local tools serve a person running the sample: the Aspire CLI (`dotnet aspire run`), a 150 MB download that
# unpacks to ~500 MB (15 s here). No test uses it, so ./test.sh (--tests) does not fetch it.
if [ -f .config/dotnet-tools.json ] && [ $tests -eq 0 ]; then
  dotnet tool restore >/dev/null
fi

# LoadGen draws its comparison chart with Vega-Lite under Node.js; without node the chart is skipped (with a message)
# and results.md / results.json are still written.
if command -v npm >/dev/null 2>&1 && [ -f LoadGen/chart/package-lock.json ] && [ ! -d LoadGen/chart/node_modules/vega-lite ]; then
  echo "Installing the chart packages (npm ci in LoadGen/chart)"
  (cd LoadGen/chart && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || echo "npm ci in LoadGen/chart failed: LoadGen compare will skip its chart." >&2
fi
