#!/usr/bin/env bash
# Installs Debian's chromium for the report render check (needs root and the package
# registry). Idempotent, and safe to rerun after an interrupted install: a dpkg run cut
# short (a killed job) leaves packages unpacked but not configured, and every later
# apt-get refuses to work until `dpkg --configure -a` has finished that run.
set -euo pipefail

for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1 && "$b" --version >/dev/null 2>&1; then exit 0; fi
done

export DEBIAN_FRONTEND=noninteractive
# One installer at a time (tests may run in parallel).
exec 9>/tmp/churn-install-chromium.lock
flock 9

attempt() {
    # Finish whatever an earlier, interrupted dpkg run left half-configured.
    dpkg --configure -a >/dev/null 2>&1 || true
    apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null &&
        apt-get -o DPkg::Lock::Timeout=300 install -y -qq --fix-broken chromium >/dev/null
}
for n in 1 2 3; do
    if attempt; then
        chromium --version >&2
        exit 0
    fi
    echo "install_chromium: attempt $n failed; retrying" >&2
    sleep $((n * 5))
done
echo "install_chromium: could not install chromium" >&2
exit 1
