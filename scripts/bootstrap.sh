#!/usr/bin/env bash
# Installs what the kiosk needs on Debian 12 (Python 3.11): Debian packages when run as
# root, then a virtual environment in .venv with the locked Python packages.
#   scripts/bootstrap.sh run    # what the kiosk and its demo need
#   scripts/bootstrap.sh test   # + test tools (Xvfb, poppler, sox, PostgreSQL, linters, pytest)
set -euo pipefail
mode=${1:-run}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Qt's xcb platform, fonts for Arabic/CJK/OCR-B, speech, OCR.
runtime_pkgs=(
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-shape0 libxcb-randr0 libxcb-render-util0
  libxcb-image0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1
  libdbus-1-3 libpulse0 fonts-noto-core fonts-wqy-microhei fonts-ocr-b espeak-ng tesseract-ocr
  python3-venv
)
# postgresql: the central API's integration tests also run on a real PostgreSQL server
# nginx-light: tests/integration/test_nginx.py runs the central API behind a real nginx.
# (scripts/pg-test-server.sh starts a throwaway cluster; Debian's own service is not used).
# cups, printer-driver-cups-pdf: a real spooler and PDF printers (scripts/cups-test-server.sh).
# orca, speech-dispatcher, xdotool, at-spi2-core, dbus: a real screen reader reads the kiosk
# on Xvfb (tests/screenreader/test_orca.py).
test_pkgs=(xvfb xauth poppler-utils sox imagemagick postgresql nginx-light cups printer-driver-cups-pdf
  orca speech-dispatcher xdotool at-spi2-core dbus)

pkgs=("${runtime_pkgs[@]}")
[ "$mode" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# On a fresh machine apt's packages (1-2 min, mostly downloads and unpacking) install in
# the background while uv fills the virtual environment; python3-venv, which making the
# environment needs, first. The end of this script waits for apt and fails with it.
apt_pid="" apt_log=""
# A failure below leaves no apt running on its own (its dpkg lock would stop the next run).
trap '[ -z "$apt_pid" ] || wait "$apt_pid" 2>/dev/null || true' EXIT
apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; }
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    rest=()
    for p in "${missing[@]}"; do [ "$p" = python3-venv ] || rest+=("$p"); done
    [ ${#rest[@]} = ${#missing[@]} ] || apt_install python3-venv >/dev/null
    if [ ${#rest[@]} -gt 0 ]; then
      apt_log=$(mktemp /tmp/kiosk-bootstrap-apt.XXXXXX)
      apt_install "${rest[@]}" >"$apt_log" 2>&1 &
      apt_pid=$!
    fi
  else
    echo "bootstrap: missing Debian packages (run as root, or: sudo apt-get install ${missing[*]})" >&2
  fi
fi

py=${PYTHON:-python3}
if ! "$py" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  echo "bootstrap: Python 3.11 or newer is needed ($py is $("$py" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi

# Reinstall only when the lock, the project metadata or the way of installing changed.
# Bytecode is compiled at install (--compile-bytecode): uv does not compile unless asked,
# and where PYTHONDONTWRITEBYTECODE=1 (containers, CI images) no .pyc would ever be
# written, so every start would compile SQLAlchemy, Alembic, pydantic... from source
# (benchmarks/startup.py: the kiosk's start-up then takes about three times as long).
extra="[central]"  # the demo starts the reference central API (its own extra) on loopback
[ "$mode" = test ] && extra="[dev,ocr]"  # dev brings central too; ocr: the MRZ engines benchmarks/mrz.py compares
stamp=".venv/.installed-$mode"
want=$( (cat requirements.lock pyproject.toml; echo compile-bytecode) | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check 'uv>=0.4,<1'
  # The lock pins every version; the editable install adds anything the lock lacks.
  .venv/bin/uv pip install -q --compile-bytecode --python .venv/bin/python \
    -r requirements.lock -e ".$extra"
  if [ "$mode" = test ]; then
    # rapidocr-onnxruntime declares opencv-python (its Qt plugins break PySide6): install it
    # without dependencies; the ocr extra brings the ones it really uses.
    .venv/bin/uv pip install -q --compile-bytecode --python .venv/bin/python --no-deps \
      'rapidocr-onnxruntime>=1.3,<2'
  fi
  echo "$want" > "$stamp"
fi
# The project's own packages (an editable install: uv compiles only site-packages). A .pyc
# checks its source's timestamp, so an edited module is compiled again as usual.
own=()
for init in */__init__.py; do
  case "$init" in tests/*|benchmarks/*) ;; *) own+=("${init%/__init__.py}") ;; esac
done
.venv/bin/python -m compileall -q -j0 "${own[@]}" >/dev/null
if [ -n "$apt_pid" ]; then
  if ! wait "$apt_pid"; then
    echo "bootstrap: apt-get install failed:" >&2; cat "$apt_log" >&2; rm -f "$apt_log"
    exit 1
  fi
  rm -f "$apt_log"
fi
