#!/usr/bin/env bash
# make demo: start the local services, apply examples/quickstart through
# modules/stack on them, show what was built, run one DNS failover drill, and
# say how to explore. make demo-down: destroy it and stop everything.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEMO=$ROOT/.demo
WORK=$DEMO/work # two levels below ROOT, so ../../modules/stack resolves
SERVICES=$ROOT/.services
TF="$ROOT/.tools/bin/terraform"
PROVIDER="$ROOT/.tools/plugins/terraform-provider-ha"
WEB_PORT=${WEB_PORT:-18080}
export TF_CLI_CONFIG_FILE=$ROOT/.tools/terraformrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
servicesctl() { (cd "$ROOT" && go run ./acceptance/services/servicesctl "$@"); }

# Stand-ins for each region's web tier: the local AWS endpoint runs no
# instances, so DNS health checks probe these (east 127.0.0.2, west 127.0.0.3).
standin() { # standin start|stop NAME ADDR
  local pidf=$DEMO/standin-$2.pid
  case $1 in
    start)
      mkdir -p "$DEMO/www"; echo ok > "$DEMO/www/healthz"
      (cd "$DEMO/www" && exec python3 -m http.server "$WEB_PORT" --bind "$3" >"$DEMO/standin-$2.log" 2>&1) &
      echo $! > "$pidf"
      for _ in $(seq 50); do curl -sf "http://$3:$WEB_PORT/healthz" >/dev/null && return 0; sleep 0.1; done
      echo "stand-in $2 did not start (see $DEMO/standin-$2.log)" >&2; return 1;;
    stop)
      if [ -f "$pidf" ]; then kill "$(cat "$pidf")" 2>/dev/null || true; rm -f "$pidf"; fi;;
  esac
}

if [ "${1:-}" = "restart-east" ]; then # the drill's restore command
  standin start east 127.0.0.2
  exit 0
fi

if [ "${1:-}" = "down" ]; then
  if [ -f "$WORK/terraform.tfstate" ] && servicesctl status "$SERVICES" >/dev/null 2>&1; then
    say "terraform destroy"
    set -a; . "$SERVICES/env"; set +a
    "$TF" -chdir="$WORK" destroy -auto-approve -input=false -no-color >"$DEMO/destroy.log" 2>&1 || tail -20 "$DEMO/destroy.log"
  fi
  standin stop east; standin stop west
  say "stopping local services"
  servicesctl down "$SERVICES"
  rm -rf "$DEMO"
  exit 0
fi

say "starting local services (AWS endpoint, PowerDNS, NUT upsd, SNMP PDU agent)"
servicesctl up "$SERVICES"
set -a; . "$SERVICES/env"; set +a
mkdir -p "$WORK"
standin stop east; standin stop west
standin start east 127.0.0.2
standin start west 127.0.0.3

say "applying examples/quickstart (blueprint: examples/quickstart/quickstart.ha.hcl)"
cp -r "$ROOT/examples/quickstart/." "$WORK/"
# The provider comes from the local build through dev_overrides (make
# install), so no `terraform init`: `terraform get` fetches the module only.
"$TF" -chdir="$WORK" get -no-color >"$DEMO/get.log" 2>&1 || { cat "$DEMO/get.log"; exit 1; }
"$TF" -chdir="$WORK" apply -auto-approve -input=false -no-color -var "web_port=$WEB_PORT" >"$DEMO/apply.log" 2>&1 || { tail -40 "$DEMO/apply.log"; exit 1; }
grep -E '^Apply complete' "$DEMO/apply.log"

say "what was built"
"$TF" -chdir="$WORK" state list | awk -F'[][]' '/module.stack.ha_/ {split($1,a,"."); split($2,k,"/"); gsub(/"/,"",k[1]); n[k[1]" "a[3]]++} END {for (x in n) print x, n[x]}' \
  | sort | awk '{printf "  %-7s %-22s %d\n", $1, $2, $3}'
echo
"$TF" -chdir="$WORK" output -no-color objectives
DNS_PORT=${HA_TEST_PDNS_DNS##*:}
# PowerDNS answers with any address until its first health check of a new
# record; wait for three equal answers in a row.
answer="" same=0
for _ in $(seq 50); do
  a=$(dig +short +tries=1 +time=1 -p "$DNS_PORT" @127.0.0.1 www.quickstart.test A | sort | tr '\n' ' ')
  if [ -n "$a" ] && [ "$a" = "$answer" ]; then same=$((same + 1)); else same=0; answer=$a; fi
  [ "$same" -ge 2 ] && break
  sleep 0.5
done
echo "DNS: www.quickstart.test answers ${answer:-nothing} (east stands in at 127.0.0.2, west at 127.0.0.3)"

say "DNS failover drill: stop east's stand-in, measure the switch to west, restore"
"$PROVIDER" drill dns --server "$HA_TEST_PDNS_DNS" --name www.quickstart.test --timeout 30s \
  --fail "kill \$(cat $DEMO/standin-east.pid)" \
  --restore "bash $ROOT/scripts/demo.sh restart-east" || echo "(the drill did not complete; see above)"

cat <<MSG

Explore:
  $TF -chdir=$WORK state list          # every object the blueprint implied
  $TF -chdir=$WORK plan                # a second plan is empty
  $PROVIDER blueprint graph $WORK/quickstart.ha.hcl --format mermaid
  Lose a region and rebuild it (one apply):
  $TF -chdir=$WORK apply -var 'lost_regions=["east"]' -var 'replacements={east="us-east-2"}' -var 'lost_locations=["us-east-1"]'
  Endpoints of the local services: $SERVICES/env
Tear down:
  make demo-down
MSG
