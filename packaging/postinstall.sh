#!/bin/sh
# Creates the service's own user, keeps the settings readable by it only,
# and on an upgrade restarts the service: its start applies the migrations.
set -e
if ! getent group cityhub >/dev/null; then
	addgroup --system cityhub >/dev/null
fi
if ! getent passwd cityhub >/dev/null; then
	adduser --system --ingroup cityhub --home /var/lib/cityhub --no-create-home \
		--shell /usr/sbin/nologin --gecos "cityhub service" cityhub >/dev/null
fi
chown root:cityhub /etc/cityhub /etc/cityhub/cityhub.env
chmod 0750 /etc/cityhub
chmod 0640 /etc/cityhub/cityhub.env
# Without systemd (a container), the data directory is made here.
install -d -o cityhub -g cityhub -m 0700 /var/lib/cityhub
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null || true
	if [ "$1" = "configure" ] && [ -n "$2" ]; then
		# An upgrade: restart if it runs, so the new binary migrates.
		systemctl try-restart cityhub.service >/dev/null || true
	else
		systemctl enable cityhub.service >/dev/null || true
		echo "cityhub: edit /etc/cityhub/cityhub.env, run 'cityhub check' as the cityhub user, then: systemctl start cityhub"
	fi
fi
exit 0
