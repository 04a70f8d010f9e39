#!/bin/sh
# Verify an evidence bundle OFFLINE with openssl and coreutils only (no soc2ctl, no AWS credentials):
# every seal's KMS signature, every seal's link to the one before, every sealed file's SHA-256.
# Usage: sh verify-seal.sh EVIDENCE_DIR PUBLIC_KEY.pem        (exit 0 only if everything verifies)
# The key must be ECDSA_SHA_256 or RSASSA_PKCS1_V1_5_SHA_256 (what soc2ctl picks first; see docs/evidence.md).
set -eu
dir=$1
pem=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prev=""
status=0
for seal in "$dir"/chain/*.json; do
  seq=$(basename "$seal" .json)
  digest=$(sha256sum "$seal" | cut -d' ' -f1)
  # 1. the signature: KMS signed the text "soc2ctl-seal-v1 <sha256 of the seal file>"
  if [ -f "$dir/chain/$seq.sig" ]; then
    sed -n 's/^  "signature": "\(.*\)",\{0,1\}$/\1/p' "$dir/chain/$seq.sig" | base64 -d > "$tmp/sig.bin"
    printf 'soc2ctl-seal-v1 %s' "$digest" > "$tmp/msg"
    printf '%s: ' "$seal"
    openssl dgst -sha256 -verify "$pem" -signature "$tmp/sig.bin" "$tmp/msg" || status=1
  else
    echo "$seal: not signed"; status=1
  fi
  # 2. the chain: previous.sha256 is the SHA-256 of the seal before (none for the first)
  linked=$(sed -n 's/^    "sha256": "\([0-9a-f]\{64\}\)"$/\1/p' "$seal")
  [ "$linked" = "$prev" ] || { echo "$seal: does not link to the seal before it"; status=1; }
  # 3. the files: each sealed file has the SHA-256 the seal lists
  sed -n 's/^    "\(runs\/[^"]*\)": "\([0-9a-f]\{64\}\)",\{0,1\}$/\2  \1/p' "$seal" > "$tmp/sums"
  (cd "$dir" && sha256sum -c --quiet "$tmp/sums") || status=1
  prev=$digest
done
exit $status
