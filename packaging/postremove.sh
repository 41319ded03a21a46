#!/bin/sh
# Purging removes the user but never the data in /var/lib/cityhub: the
# database is the city's, and deleting it is the operator's decision.
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null || true
fi
if [ "$1" = "purge" ] && getent passwd cityhub >/dev/null; then
	deluser --system cityhub >/dev/null || true
fi
exit 0
