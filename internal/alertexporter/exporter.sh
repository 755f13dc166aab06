#!/bin/sh
# ha alerts exporter: polls each alarm's object (a UPS through NUT, a load
# balancer's hosts through its health check), and posts the alarm's state
# changes (OK -> ALARM, ALARM -> OK) as JSON to every webhook.
#
# Its directory holds alarms.conf (one alarm a line, tab-separated: name,
# component, metric, target, comparison, threshold, period seconds,
# evaluation periods) and webhooks.conf (one URL a line); state/ holds each
# alarm's state, breaching polls in a row and last poll time.
D=$(cd "$(dirname "$0")" && pwd) || exit 1
S="$D/state"
mkdir -p "$S" || exit 1
TAB=$(printf '\t')

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*"; }

# value METRIC TARGET prints the metric's value, or fails when the object
# does not answer (the alarm then keeps its state); upsc has no timeout of
# its own, and one unreachable upsd must not stall the other alarms.
value() {
  case "$1" in
  ups_on_battery)
    st=$(timeout 5 upsc "$2" ups.status </dev/null 2>/dev/null) || return 1
    [ -n "$st" ] || return 1
    case " $st " in *" OB "*) echo 1 ;; *) echo 0 ;; esac ;;
  ups_low_runtime)
    rt=$(timeout 5 upsc "$2" battery.runtime </dev/null 2>/dev/null) || return 1
    case "$rt" in '' | *[!0-9.]*) return 1 ;; esac
    echo "$rt" ;;
  unhealthy_hosts)
    # The load balancer's own health check, made from here: the number of
    # its hosts (comma-separated URLs) that fail it.
    n=0
    for u in $(echo "$2" | tr ',' ' '); do
      curl -fsS -m 5 -o /dev/null "$u" </dev/null >/dev/null 2>&1 || n=$((n + 1))
    done
    echo "$n" ;;
  *) return 1 ;;
  esac
}

breaches() { # VALUE COMPARISON THRESHOLD
  awk -v v="$1" -v c="$2" -v t="$3" 'BEGIN {
    if (c == ">") r = v + 0 > t + 0; else if (c == ">=") r = v + 0 >= t + 0
    else if (c == "<") r = v + 0 < t + 0; else r = v + 0 <= t + 0
    exit !r }'
}

# post sends one JSON body to every webhook; it fails when any refused it,
# so the change is posted again at the next poll (at least once).
post() {
  ok=0
  while IFS= read -r url; do
    [ -n "$url" ] || continue
    if ! curl -fsS -m 5 -X POST -H 'Content-Type: application/json' --data "$1" "$url" </dev/null >/dev/null 2>&1; then
      log "post to a webhook failed: $(echo "$url" | sed 's,//[^/]*@,//***@,; s,?.*,?***,')"
      ok=1
    fi
  done <"$D/webhooks.conf"
  return $ok
}

log "started, pid $$"
while :; do
  now=$(date +%s)
  while IFS="$TAB" read -r name comp metric target cmp thr period evals; do
    [ -n "$name" ] || continue
    f="$S/$name"
    last=0 state=OK run=0
    [ -f "$f" ] && read -r state run last <"$f"
    [ $((now - last)) -ge "$period" ] || continue
    if ! v=$(value "$metric" "$target"); then
      log "$name: no value of $metric from $target"
      echo "$state $run $now" >"$f"
      continue
    fi
    if breaches "$v" "$cmp" "$thr"; then run=$((run + 1)); else run=0; fi
    new=OK
    [ "$run" -ge "$evals" ] && new=ALARM
    # Hold ALARM while the breach lasts but has not yet reached evals again.
    [ "$state" = ALARM ] && [ "$run" -gt 0 ] && new=ALARM
    if [ "$new" != "$state" ]; then
      body=$(printf '{"alarm":"%s","component":"%s","metric":"%s","target":"%s","state":"%s","previous_state":"%s","value":%s,"comparison":"%s","threshold":%s,"time":"%s"}' \
        "$name" "$comp" "$metric" "$target" "$new" "$state" "$v" "$cmp" "$thr" "$(date -u +%Y-%m-%dT%H:%M:%SZ)")
      log "$name: $state -> $new ($metric $v $cmp $thr)"
      if post "$body"; then state=$new; fi
    fi
    echo "$state $run $now" >"$f"
  done <"$D/alarms.conf"
  sleep 1
done
