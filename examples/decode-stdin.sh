#!/usr/bin/env sh
# Decode a file of tokens (one per line) into NDJSON with the demo key; exit 1 if any fails.
#   sh examples/decode-stdin.sh < tokens.txt
exec node "$(dirname "$0")/../bin/hydrosync.js" token decode --demo-key - 
