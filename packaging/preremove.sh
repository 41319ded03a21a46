#!/bin/sh
# Stops the service on removal; an upgrade restarts it from postinstall.
set -e
if [ -d /run/systemd/system ] && [ "$1" = "remove" ]; then
	systemctl disable --now cityhub.service >/dev/null || true
fi
exit 0
