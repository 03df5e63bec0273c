#!/usr/bin/env sh
# A simulated water meter kept in a state file: sell a token, enter it, use water, replay it,
# change the key. Uses the PUBLIC demo key (never for real meters) and a temporary directory.
#   sh examples/meter-session.sh
set -eu
hydrosync() { node "$(dirname "$0")/../bin/hydrosync.js" "$@"; }
json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];console.log(Array.isArray(v)?v.join(" "):v)})' "$1"; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export HYDROSYNC_METER_STATE="$dir/meter.json"   # every meter command below uses this state

echo '== A new meter, made on 2026-11-01 (its TID memory starts there)'
hydrosync meter init --demo-key --manufactured 2026-11-01T00:00 2>/dev/null | head -1

echo '== The vending office sells 5 m³'
token=$(hydrosync token generate credit --demo-key --m3 5 --date-time 2026-12-01T09:30 --json 2>/dev/null | json_field token)
echo "token $token"

echo '== The customer enters it (exit 0: accepted)'
hydrosync meter enter --at 2026-12-01T09:35 "$token"

echo '== An hour of water at 12.5 L/min, then the display'
hydrosync meter consume --flow 12.5 --minutes 60 --at 2026-12-01T11:00
hydrosync meter status | sed -n '2,4p'

echo '== The same token again (exit 1: USED), in Indonesian'
hydrosync meter enter --at 2026-12-01T11:05 --lang id "$token" || echo "exit status $?"

echo '== Key change to KRN 2 (4 tokens, entered from stdin); the credit stays'
hydrosync token generate key-change --demo-key --new-krn 2 --json 2>/dev/null | json_field tokens | tr ' ' '\n' |
  hydrosync meter enter --at 2026-12-01T12:00 -
hydrosync meter status --json | json_field creditLitres

echo '== History'
hydrosync meter history
