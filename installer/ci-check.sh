#!/usr/bin/env bash
# CI check of the Debian package, on a throwaway Debian 12 machine, as root:
#   build 0.1.0 and 0.1.1, lintian, install 0.1.0, systemd-analyze verify on the units,
#   enrol against a central API started from the installed files, kiosk-health, the
#   app's smoke test from the installed files, the kiosk session under cage (headless,
#   installer/cage-check.sh), upgrade to 0.1.1 over data (a file placed in
#   /var/lib survives, the store's migration runs), purge (everything is gone).
#
#   installer/ci-check.sh [--keep]     # --keep: leave 0.1.1 installed at the end
#
# Environment: KIOSK_CI_WORK=DIR keeps the build's work directory (the third-party Python
# environment is then built once); KIOSK_FULL_LINTIAN=1 runs lintian on the full package
# too (5-7 min on 2 cores, hence not by default: installer/README.md). It installs the
# package's dependencies and lintian with apt-get. The machine is left without the package
# and without the kiosk user, unless --keep.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
app=kiosk-titre-sejour
prefix=/opt/$app
data=/var/lib/$app
keep=0
[ "${1:-}" = --keep ] && keep=1

[ "$(id -u)" = 0 ] || { echo "ci-check: run as root on a throwaway Debian machine" >&2; exit 2; }
if dpkg-query -W -f='${Status}' "$app" 2>/dev/null | grep -q "ok installed"; then
  echo "ci-check: $app is already installed here; this check installs and purges it" >&2
  exit 2
fi

t0=$(date +%s)
step() { echo "== ci-check [$(( $(date +%s) - t0 )) s] $*"; }
fail() { echo "ci-check: FAILED: $*" >&2; exit 1; }

work=${KIOSK_CI_WORK:-}
keep_work=1
if [ -z "$work" ]; then work=$(mktemp -d /tmp/kiosk-ci.XXXXXX); keep_work=0; fi
mkdir -p "$work/out"
central_pid=""
cleanup() {
  status=$?
  [ -z "$central_pid" ] || kill "$central_pid" 2>/dev/null || true
  if [ "$keep" = 0 ] && dpkg-query -W -f='${Status}' "$app" 2>/dev/null | grep -q installed; then
    dpkg --purge "$app" >/dev/null 2>&1 || true
  fi
  [ "$keep_work" = 1 ] || rm -rf "$work"
  [ "$status" = 0 ] || echo "ci-check: failed after $(( $(date +%s) - t0 )) s" >&2
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt_install() {
  apt-get install -y -qq --no-install-recommends "$@" >"$work/apt.log" 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >"$work/apt.log" 2>&1; } \
    || { tail -20 "$work/apt.log" >&2; fail "apt-get install $*"; }
}
need=()
command -v lintian >/dev/null || need+=(lintian)
command -v systemd-analyze >/dev/null || need+=(systemd)
if [ ${#need[@]} -gt 0 ]; then step "apt-get install ${need[*]}"; apt_install "${need[@]}"; fi

# --- build ------------------------------------------------------------------------------
step "build 0.1.0, 0.1.1 and the lintian skeleton"
build() { "$root/installer/build-deb.sh" --fast --work "$work/build" --out "$work/out" "$@"; }
build --version 0.1.0
build --version 0.1.1
"$root/installer/build-deb.sh" --skeleton --version 0.1.1 --out "$work/out"  # gzip: for lintian
arch=$(dpkg --print-architecture)
deb1=$work/out/${app}_0.1.0_$arch.deb
deb2=$work/out/${app}_0.1.1_$arch.deb

# lintian runs on the skeleton (everything but the bundled Python environment) while the
# package is installed: the full package takes lintian 5-7 min (20,000 files of wheels).
step "lintian (skeleton: control, scripts, units, conffiles, documents)"
lintian_opts=(--fail-on error,warning --display-info)
lintian "${lintian_opts[@]}" "$work/out/${app}-skeleton_0.1.1_$arch.deb" >"$work/lintian.txt" 2>&1 &
lintian_pid=$!

# --- install ----------------------------------------------------------------------------
step "install 0.1.0 (apt-get, with its dependencies)"
apt_install "$deb1"
getent passwd kiosk | grep -q ":/usr/sbin/nologin$" || fail "no kiosk user with nologin"
[ "$(stat -c '%U %a' "$data")" = "kiosk 700" ] || fail "$data is $(stat -c '%U %a' "$data"), not kiosk 700"
[ -f "$data/store/kiosk.db" ] || fail "postinst did not create the store"
[ "$(stat -c %U "$data/store/kiosk.db")" = kiosk ] || fail "the store does not belong to kiosk"
grep -qx "/etc/$app/kiosk.toml" "/var/lib/dpkg/info/$app.conffiles" || fail "kiosk.toml is not a conffile"
[ "$(stat -c '%U:%G %a' "/etc/$app")" = "root:kiosk 770" ] || fail "/etc/$app is not root:kiosk 0770"
# Enabled at boot (deb-systemd-helper makes the links even where systemd is not running).
for link in graphical.target.wants/kiosk-session.service multi-user.target.wants/kiosk-sync.path; do
  [ -L "/etc/systemd/system/$link" ] || fail "$link is not enabled"
done

if wait "$lintian_pid"; then
  step "lintian: no error or warning ($(grep -c '^[IPN]:' "$work/lintian.txt" || true) info/pedantic lines)"
else
  cat "$work/lintian.txt" >&2
  fail "lintian"
fi
if [ -n "${KIOSK_FULL_LINTIAN:-}" ]; then
  step "lintian on the full package (KIOSK_FULL_LINTIAN)"
  lintian "${lintian_opts[@]}" "$deb2" || fail "lintian (full package)"
fi

step "systemd-analyze verify"
# Run against the installed units, so that the binaries they start are checked too.
systemd-analyze verify --man=no /lib/systemd/system/kiosk-session.service \
  /lib/systemd/system/kiosk-sync.service /lib/systemd/system/kiosk-sync.path \
  2>&1 | tee "$work/verify.txt"
# systemd-analyze exits 0 on some findings: any line naming our units is a finding.
if grep -E "kiosk-(session|sync)" "$work/verify.txt"; then fail "systemd-analyze verify"; fi

# --- enrol against a central API from the installed files, then the health check -------
step "central API (installed kiosk-central) and enrolment"
port=$("$prefix/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
code=$("$prefix/bin/python" -c 'import secrets; print(secrets.token_hex(10))')  # 80 bits
mkdir -p "$work/central"
# The code through the environment: kiosk-central takes no secret on its command line.
KIOSK_CENTRAL_ENROLMENT_CODES="$code" "$prefix/bin/kiosk-central" --port "$port" \
  --data-dir "$work/central" --log-level warning >"$work/central.log" 2>&1 &
central_pid=$!
export KIOSK_CENTRAL_URL=http://127.0.0.1:$port  # overrides kiosk.toml's central_url
"$prefix/bin/python" - "$KIOSK_CENTRAL_URL" <<'EOF' || { cat "$work/central.log" >&2; fail "central API did not start"; }
import sys, time, urllib.request
deadline = time.monotonic() + 60
while True:
    try:
        urllib.request.urlopen(sys.argv[1] + "/v1/health", timeout=2).read()
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.2)
EOF
runuser -u kiosk -- env KIOSK_CENTRAL_URL="$KIOSK_CENTRAL_URL" \
  "$prefix/bin/kiosk-sync" --once --enrol-code "$code" --no-heartbeat \
  || fail "enrolment"
[ "$(stat -c '%U %a' "$data/enrolment.json")" = "kiosk 600" ] || fail "enrolment.json is not kiosk 0600"

step "kiosk-health (no camera or printer on a CI machine)"
kiosk-health --skip camera --skip printer || fail "kiosk-health"
# The OCR model was built above: the next two runs skip it (a few seconds each).
kiosk-health --json --skip camera --skip printer --skip ocr >"$work/health.json" \
  || fail "kiosk-health --json"
# And without the camera skipped it must fail, naming the camera.
if kiosk-health --json --skip ocr >"$work/health-all.json"; then fail "kiosk-health passed without a camera"; fi
grep -q '"name": "camera"' "$work/health-all.json" || fail "kiosk-health --json lacks the camera"

step "smoke test from the installed files (kiosk --exit-after-shown, offscreen)"
smoke() {
  runuser -u kiosk -- env QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$work/xdg" \
    KIOSK_CENTRAL_URL="$KIOSK_CENTRAL_URL" timeout -k 10 120 "$prefix/bin/kiosk" --exit-after-shown "$@" \
    >"$work/smoke.txt" 2>&1 || { cat "$work/smoke.txt" >&2; fail "kiosk $* --exit-after-shown"; }
  grep -h "welcome_shown" "$work/smoke.txt" || fail "kiosk $*: no welcome_shown line"
}
install -d -o kiosk -g kiosk -m 0700 "$work/xdg"
smoke                                            # the kiosk's own configuration and data
demo_dir=$data/ci-demo                           # the demo, with its central API and fakes
smoke --demo --data-dir "$demo_dir"
rm -rf "$demo_dir"

step "the kiosk session under cage (headless wlroots), looked at with grim"
need=()
command -v grim >/dev/null || need+=(grim)
command -v tesseract >/dev/null || need+=(tesseract-ocr)
if [ ${#need[@]} -gt 0 ]; then apt_install "${need[@]}"; fi
cage_out=${KIOSK_CAGE_OUT:-$work/cage}
"$root/installer/cage-check.sh" "$cage_out" || fail "the kiosk session under cage"

# --- upgrade ----------------------------------------------------------------------------
step "upgrade to 0.1.1 over data (schema taken one migration back first)"
echo "kept across upgrades" >"$data/ci-marker"
chown kiosk:kiosk "$data/ci-marker"
runuser -u kiosk -- "$prefix/bin/python" - <<'EOF'
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from kiosk.health.store import store_revision
from kiosk.store.store import MIGRATIONS_DIR

db = "/var/lib/kiosk-titre-sejour/store/kiosk.db"
cfg = Config()
cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
with create_engine(f"sqlite:///{db}").begin() as connection:
    cfg.attributes["connection"] = connection
    command.downgrade(cfg, "-1")
print("schema taken back to", store_revision(__import__("pathlib").Path(db)))
EOF
apt_install "$deb2" 2>&1
grep -h "kiosk-migrate" "$work/apt.log" || true
[ "$(dpkg-query -W -f='${Version}' "$app")" = 0.1.1 ] || fail "0.1.1 is not installed"
[ "$(cat "$data/ci-marker")" = "kept across upgrades" ] || fail "the data did not survive the upgrade"
[ -f "$data/enrolment.json" ] || fail "the enrolment did not survive the upgrade"
runuser -u kiosk -- "$prefix/bin/python" -c '
import pathlib, sys
from kiosk.health.store import head_revision, store_revision
now = store_revision(pathlib.Path("/var/lib/kiosk-titre-sejour/store/kiosk.db"))
print("schema after the upgrade:", now)
sys.exit(now != head_revision())' || fail "the upgrade did not migrate the store"
kiosk-health --skip camera --skip printer --skip ocr >/dev/null || fail "kiosk-health after the upgrade"

# --- purge ------------------------------------------------------------------------------
if [ "$keep" = 1 ]; then
  step "done (--keep: 0.1.1 left installed)"
  exit 0
fi
step "purge"
kill "$central_pid" 2>/dev/null || true
central_pid=""
apt-get purge -y -qq "$app" >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "purge"; }
for path in "$prefix" "$data" "/etc/$app" /etc/pam.d/kiosk-session /usr/bin/kiosk-health \
            /lib/systemd/system/kiosk-session.service /lib/systemd/system/kiosk-sync.service \
            /etc/systemd/system/graphical.target.wants/kiosk-session.service \
            /etc/systemd/system/multi-user.target.wants/kiosk-sync.path; do
  [ ! -e "$path" ] || fail "$path is still there after the purge"
done
! getent passwd kiosk >/dev/null || fail "the kiosk user is still there after the purge"
! dpkg-statoverride --list "/etc/$app" >/dev/null || fail "the statoverride is still there"
step "done: built, linted, installed, checked, upgraded and purged"
