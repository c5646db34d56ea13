#!/usr/bin/env bash
# A throwaway CUPS scheduler for the tests, with cups-pdf virtual printers: a real spooler
# (filters, backend, queue states) that writes each job as a PDF the tests read back.
#
#   dir=$(mktemp -d /tmp/kiosk-cups.XXXXXX)
#   scripts/cups-test-server.sh start "$dir"        # prints the scheduler's socket
#   scripts/cups-test-server.sh queue "$dir" NAME   # a cups-pdf queue; its PDFs: $dir/out/NAME
#   CUPS_SERVER=$dir/cups.sock lpstat -p ...        # what the tests do (KIOSK_TEST_CUPS=$dir)
#   scripts/cups-test-server.sh halt "$dir"         # stops the scheduler only (a test's "stopped scheduler")
#   scripts/cups-test-server.sh stop "$dir"         # stops it and deletes the directory
#
# The scheduler lives in DIR (configuration, spool, logs) and listens on DIR/cups.sock only:
# the machine's own CUPS, if any, is not touched. One thing lies outside DIR: cups-pdf
# reads its settings from /etc/cups/cups-pdf-<name>.conf (a path compiled into it), so each
# queue gets one, removed by `stop`. It must run as root (cupsd, and cups-pdf writes as
# root); the tests skip without it outside CI (CI=true makes its absence an error).
# Needs the Debian packages cups and printer-driver-cups-pdf (scripts/bootstrap.sh test).
# Exit status: 0 done, 3 CUPS or cups-pdf not installed, 4 not root, 1 anything else.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR | queue DIR NAME | halt DIR | stop DIR" >&2
  exit 2
}
[ $# -ge 2 ] || usage
action=$1
dir=$2

ppd=/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd
need() {
  if [ ! -x /usr/sbin/cupsd ] || [ ! -x /usr/lib/cups/backend/cups-pdf ] || [ ! -f "$ppd" ]; then
    echo "cups-test-server: CUPS or cups-pdf is not installed" \
      "(apt-get install cups printer-driver-cups-pdf)" >&2
    exit 3
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "cups-test-server: the scheduler and cups-pdf need root" >&2
    exit 4
  fi
}

case "$action" in
  start)
    need
    mkdir -p "$dir"/{spool,cache,state,log,out,tmp}
    chmod 0755 "$dir" "$dir/out"
    chmod 1777 "$dir/tmp"  # the filters run as lp
    cat >"$dir/cups-files.conf" <<EOF
ServerRoot $dir
RequestRoot $dir/spool
CacheDir $dir/cache
StateDir $dir/state
TempDir $dir/tmp
AccessLog $dir/log/access_log
ErrorLog $dir/log/error_log
PageLog $dir/log/page_log
ServerBin /usr/lib/cups
DataDir /usr/share/cups
User lp
Group lp
SystemGroup root
FileDevice No
EOF
    # Anyone on the socket may administer it (it is in a private directory, for tests).
    cat >"$dir/cupsd.conf" <<EOF
Listen $dir/cups.sock
LogLevel info
WebInterface No
Browsing No
DefaultAuthType None
JobRetryInterval 1
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
    /usr/sbin/cupsd -f -c "$dir/cupsd.conf" -s "$dir/cups-files.conf" >"$dir/log/cupsd.out" 2>&1 &
    echo $! >"$dir/cupsd.pid"
    for _ in $(seq 100); do
      if CUPS_SERVER=$dir/cups.sock lpstat -r 2>/dev/null | grep -q "is running"; then
        echo "$dir/cups.sock"
        exit 0
      fi
      kill -0 "$(cat "$dir/cupsd.pid")" 2>/dev/null || break
      sleep 0.1
    done
    echo "cups-test-server: the scheduler did not start:" >&2
    tail -5 "$dir/log/cupsd.out" "$dir/log/error_log" >&2 2>/dev/null || true
    exit 1
    ;;
  queue)
    [ $# -eq 3 ] || usage
    need
    name=$3
    case "$name" in *[!A-Za-z0-9_-]*|"") echo "cups-test-server: bad queue name $name" >&2; exit 2 ;; esac
    mkdir -p "$dir/out/$name"
    conf=/etc/cups/cups-pdf-$name.conf
    mkdir -p /etc/cups
    cat >"$conf" <<EOF
# Written by kiosk-titre-sejour's scripts/cups-test-server.sh for $dir; removed by its stop.
Out $dir/out/$name
AnonDirName $dir/out/$name
Spool $dir/cups-pdf-spool
Log $dir/log
LogType 3
Label 1
TitlePref 1
EOF
    echo "$conf" >>"$dir/confs"
    CUPS_SERVER=$dir/cups.sock lpadmin -p "$name" -v "cups-pdf:/$name" -P "$ppd" -E 2>/dev/null
    ;;
  halt|stop)
    if [ -f "$dir/cupsd.pid" ]; then
      pid=$(cat "$dir/cupsd.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/cupsd.pid"
    fi
    [ "$action" = stop ] || exit 0
    if [ -f "$dir/confs" ]; then
      while read -r conf; do rm -f "$conf"; done <"$dir/confs"
    fi
    case "$dir" in /tmp/*|"${TMPDIR:-/tmp}"/*) rm -rf "$dir" ;; esac
    ;;
  *) usage ;;
esac
