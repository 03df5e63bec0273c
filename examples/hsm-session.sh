#!/usr/bin/env bash
# A whole session with the emulated security module, in a temporary directory:
# init → key import → meters → vends (m³, litres, rupiah, currency) → verify → reissue →
# management → key change (with rollover) → fleet key change → audit verify / export.
# Run after `npm run build`:  bash examples/hsm-session.sh
# Uses the PUBLIC STS test vending key: never use it (or this store) in production.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hydrosync() { node "$here/bin/hydrosync.js" "$@"; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

export HYDROSYNC_STORE="$work/hsm.sqlite"
export HYDROSYNC_MASTER_KEY_FILE="$work/master.key"
export HYDROSYNC_OPERATOR=demo-operator HYDROSYNC_VENDING_POINT=loket-1

step() { printf '\n\033[1m$ hydrosync %s\033[0m\n' "$*"; hydrosync "$@"; }

# PDAM block tariff of the household group R1: 0-10 m³, 10-20 m³, above 20 m³ per month.
cat > tariffs.json <<'EOF'
{"format":"hydrosync-tariffs/1","tariffs":[
  {"group":"R1","blocks":[{"upToCubicMetres":10,"rupiahPerCubicMetre":1500},
                          {"upToCubicMetres":20,"rupiahPerCubicMetre":2500},
                          {"upToCubicMetres":null,"rupiahPerCubicMetre":4000}]}]}
EOF

# The vending key (public STS test key) in the key file format; in real life it comes from the
# key management centre and the file is deleted after the import.
umask 077
cat > vending-201457.json <<'EOF'
{"format":"hydrosync-key/1","vendingKey":"abababababababab949494949494949401234567",
 "supplyGroupCode":"201457","keyRevisionNumber":1,"baseDate":2014,"encryptionAlgorithm":"11","keyType":2}
EOF

step hsm init --generate-master-key "$HYDROSYNC_MASTER_KEY_FILE" --utc-offset 420 --tariffs tariffs.json
step hsm key import --id 201457-krn1 --key-file vending-201457.json
HYDROSYNC_VENDING_KEY=abababababababab949494949494949401234567 \
  step hsm key import --id 201457-krn1-1993 --sgc 201457 --krn 1 --base-date 1993
# A new key revision (KRN 2, for the key changes below) is a new vending key from the KMC; this
# demo reuses the public bits.
HYDROSYNC_VENDING_KEY=abababababababab949494949494949401234567 \
  step hsm key import --id 201457-krn2 --sgc 201457 --krn 2 --base-date 2014
step hsm key list

step hsm meter add --pan 600727000000000009 --customer-ref 01-0001234 --customer-group R1 --vending-key-id 201457-krn1
step hsm meter add --pan 600727000000000264 --customer-ref 01-0001235 --customer-group R1 --vending-key-id 201457-krn1-1993
step hsm meter list

step hsm vend --pan 600727000000000009 --m3 2.55
step hsm vend --pan 600727000000000009 --litres 1001
step hsm vend --pan 600727000000000009 --rupiah 50000 --txn loket1-000001
step hsm vend --pan 600727000000000009 --rupiah 50000 --txn loket1-000001   # reissue: same token
step hsm vend --pan 600727000000000009 --currency 25000

token="$(hydrosync hsm vend --pan 600727000000000009 --m3 1 --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).tokens[0]))')"
step hsm verify --pan 600727000000000009 "$token"

step hsm manage clear-tamper --pan 600727000000000009
step hsm manage clear-credit --pan 600727000000000009 --register all

step hsm keychange --pan 600727000000000009 --new-krn 2
step hsm keychange --pan 600727000000000264 --new-krn 2 --new-base-date 2014   # rollover: RO = 1

# Fleet key change: every meter of the CSV (a column may override the flags per meter).
printf 'pan,newKeyExpiryNumber\n600727000000000009,200\n600727000000000264,\n' > fleet.csv
step hsm keychange --fleet fleet.csv --new-ken 250 --out fleet-outcomes.csv
cat fleet-outcomes.csv

step hsm vend --pan 600727000000000009 --m3 99999999 || echo "(refused: exit $?)"
step hsm audit list --limit 5
step hsm audit verify
step hsm audit export --format csv --out audit.csv
head -3 audit.csv
