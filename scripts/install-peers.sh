#!/usr/bin/env bash
# Installs the real S2S peers the tests link with (Debian's atheme-services and anope), and
# Debian's promtool (package prometheus; the metrics test runs `promtool check metrics` on a
# scrape), when they are missing and we may (root + apt). Never fails the run: without them the
# services tests and the promtool check skip and say why.
set -u
need=()
[ -x /usr/bin/atheme-services ] || need+=(atheme-services)
[ -x /usr/sbin/anope ] || need+=(anope)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-peers: ${need[*]} missing and not root with apt: the tests that need them will skip" >&2
  exit 0
fi
echo "install-peers: installing ${need[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
if ! timeout 600 apt-get install -y -q --no-install-recommends "${need[@]}" >/tmp/tslink-install-peers.log 2>&1; then
  timeout 300 apt-get update -q >>/tmp/tslink-install-peers.log 2>&1
  timeout 600 apt-get install -y -q --no-install-recommends "${need[@]}" >>/tmp/tslink-install-peers.log 2>&1 \
    || echo "install-peers: apt-get install failed (see /tmp/tslink-install-peers.log): the tests that need them will skip" >&2
fi
exit 0
