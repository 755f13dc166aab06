#!/bin/sh
# Starts and stops this alerts exporter through its pid file. The exporter
# runs in its own session, so stop ends it with its sleep, upsc and curl.
D=$(cd "$(dirname "$0")" && pwd) || exit 1
P="$D/exporter.pid"
running() { [ -s "$P" ] && kill -0 "$(cat "$P")" 2>/dev/null; }
stop() {
  if running; then
    p=$(cat "$P"); kill -- "-$p" 2>/dev/null || kill "$p"; i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -0 "$p" 2>/dev/null && kill -9 -- "-$p" 2>/dev/null
  fi
  rm -f "$P"
}
start() {
  running && return 0
  setsid nohup sh "$D/exporter.sh" >>"$D/exporter.log" 2>&1 </dev/null &
  echo $! >"$P"
}
case "$1" in
running) running ;;
start) start ;;
stop) stop ;;
restart) stop; start ;;
*) echo "usage: $0 running|start|stop|restart" >&2; exit 2 ;;
esac
