#!/bin/sh
# The image's entrypoint: the image holds no site and no users, so without a site file mounted at
# $GATEWAY_CONFIG it stops at once with one structured line saying what to mount, instead of
# starting a demo site nobody configured. Otherwise it runs the command (the gateway) in its place.
set -eu
site="${GATEWAY_CONFIG:-/etc/gateway/site.json}"
if [ ! -f "$site" ] || [ ! -r "$site" ]; then
  msg="no site file at $site: mount the site's file there (docker run -v /srv/gateway/site.json:$site:ro, or the compose.yaml in deploy/) or set GATEWAY_CONFIG to where it is; the image has no demo site"
  printf '{"level":60,"time":%s000,"pid":%s,"event":"config.missing","code":"GW_CONFIG_UNREADABLE","file":"%s","msg":"%s"}\n' "$(date +%s)" "$$" "$site" "$msg" >&2
  exit 1
fi
export GATEWAY_CONFIG="$site"
exec "$@"
