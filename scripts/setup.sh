# shellcheck shell=bash
# What the test suite needs on a fresh Debian machine, sourced by scripts/test from the
# repository root: the Debian packages (as root, with apt-get, only those missing), the e2e
# packages, and a local PostgreSQL for the store tests when TEST_DATABASE_URL is not set.

is_root() { [ "$(id -u)" = 0 ]; }
deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

# Installs chromium, fonts-noto-cjk (the screenshots' Chinese text), Node.js, curl,
# python3-venv and — unless TEST_DATABASE_URL names a server — postgresql, each only when
# missing. Without root it says what is missing instead; only chromium and Node.js are
# required.
setup_packages() {
  local need=()
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || need+=(chromium)
  fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || deb_installed fonts-noto-cjk ||
    need+=(fonts-noto-cjk)
  command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  # scripts/schemathesis makes its virtual environment with `python3 -m venv`.
  python3 -c "import ensurepip" 2>/dev/null || need+=(python3-venv)
  if [ -z "${TEST_DATABASE_URL:-}" ] && ! command -v pg_ctlcluster >/dev/null 2>&1; then
    need+=(postgresql)
  fi
  [ ${#need[@]} -gt 0 ] || return 0
  if is_root && command -v apt-get >/dev/null 2>&1; then
    echo "== installing ${need[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    return 0
  fi
  echo "note: missing ${need[*]} (as root: apt-get install -y ${need[*]})" >&2
  if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ] || ! command -v npm >/dev/null 2>&1; then
    echo "chromium and Node.js are required (or set CHROMIUM=/path)" >&2
    exit 1
  fi
}

# The browser journey's packages (playwright-core), once.
setup_e2e() {
  [ -d e2e/node_modules/playwright-core ] || (cd e2e && npm ci --no-audit --no-fund)
}

# Without TEST_DATABASE_URL, as root, with a local PostgreSQL installed: starts its cluster,
# makes sure the `root` role exists, creates a fresh `quanzi_test` database and exports
# TEST_DATABASE_URL for it. Otherwise the store tests run on SQLite only, and it says why.
setup_postgres() {
  [ -z "${TEST_DATABASE_URL:-}" ] || return 0
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "note: no local PostgreSQL: store tests run on SQLite only (set TEST_DATABASE_URL)"
    return 0
  fi
  if ! is_root; then
    echo "note: not root: the local PostgreSQL is left alone and store tests run on SQLite"
    echo "      only (set TEST_DATABASE_URL=postgres://… to test PostgreSQL too)"
    return 0
  fi
  local cluster
  cluster=$(pg_lsclusters -h | awk 'NR==1{print $1" "$2}')
  if [ -z "$cluster" ]; then
    local ver
    ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -1)
    pg_createcluster "$ver" main >/dev/null
    cluster="$ver main"
  fi
  echo "== PostgreSQL $cluster"
  # Already running is fine: pg_ctlcluster then says so and fails.
  # shellcheck disable=SC2086
  pg_ctlcluster $cluster start 2>/dev/null || true
  su postgres -c "createuser -s root" 2>/dev/null || true
  # Only the entry point of the tests (each makes and drops its own database); one that
  # another run holds open is kept.
  dropdb --if-exists quanzi_test 2>/dev/null || echo "note: quanzi_test is in use; kept"
  if ! createdb quanzi_test 2>/dev/null && ! psql -qAtc "select 1" quanzi_test >/dev/null; then
    echo "cannot create the database quanzi_test on the local PostgreSQL" >&2
    exit 1
  fi
  export TEST_DATABASE_URL="postgres://root@localhost/quanzi_test?host=/var/run/postgresql"
}
