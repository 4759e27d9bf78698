#!/bin/bash
# SIGHUP (a reload request, or a logrotate script) that reaches seoibd while
# main() still loads its configuration must stay pending, not kill it: the
# default action is a clean-looking exit that systemd does not restart.
# sighup-early.py holds each open() of the configuration with fanotify and
# signals the daemon while it waits, so the signal lands inside main() every
# round, before the event loop exists.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

write_config
python3 "$HERE/sighup-early.py" 20 "$CONFIG" "$SEOIBD" --check-config --config "$CONFIG"
