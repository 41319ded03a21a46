package mqtt

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"cityhub/apperr"
)

// Station accounts on Mosquitto's dynamic-security plugin. A station's
// broker username is its id, so an id can name an account the hub did not
// make: the hub's own (cityhub-hub, a valid station id), an operator's, a
// station of another topic root. The hub changes or deletes only accounts
// that are a station's of its own root, and refuses the others as a
// conflict: setting the password of the hub's account to a station secret
// would hand the station the admin role, and revoking would delete it.

func (d *Dynsec) stationRole(station string) string {
	return "cityhub-station@" + d.topics.Root + "/" + station
}

// stationAccount is what the plugin holds under a station's username.
type stationAccount struct {
	found bool
	// ours: the account holds the station's own role and nothing else (no
	// other role, no group), so setting its password or deleting it can
	// neither give nor take anything but that station's rights. Only the
	// hub creates that role, and it gives it to the station's account alone.
	ours bool
}

// account looks up the broker account named station.
func (d *Dynsec) account(ctx context.Context, station string) (stationAccount, error) {
	var client struct {
		Client struct {
			Username string `json:"username"`
			Roles    []struct {
				Name string `json:"rolename"`
			} `json:"roles"`
			Groups []struct {
				Name string `json:"groupname"`
			} `json:"groups"`
		} `json:"client"`
	}
	var data json.RawMessage
	if err := d.runData(ctx, []dynsecCommand{{"command": "getClient", "username": station}}, []*json.RawMessage{&data}, "Client not found"); err != nil {
		return stationAccount{}, err
	}
	if len(data) == 0 {
		return stationAccount{}, nil
	}
	if err := json.Unmarshal(data, &client); err != nil {
		return stationAccount{}, fmt.Errorf("dynamic security getClient %s: %w", station, err)
	}
	c := client.Client
	if c.Username == "" {
		return stationAccount{}, nil
	}
	ours := len(c.Roles) == 1 && c.Roles[0].Name == d.stationRole(station) && len(c.Groups) == 0
	return stationAccount{found: true, ours: ours}, nil
}

// mayManage refuses the hub's own username before anything is asked.
func (d *Dynsec) mayManage(station string) error {
	if station == d.user {
		return apperr.R(apperr.Conflict, "broker_account_taken",
			"The station id %s is the hub's own broker username; register the station under another id.", station)
	}
	return nil
}

func taken(station string) error {
	return apperr.R(apperr.Conflict, "broker_account_taken",
		"The broker already has an account named %s that is not a station's; the hub leaves it alone. Register the station under another id, or remove that account from the broker first.", station)
}

// SetStationSecret implements mobility.BrokerAccounts: it creates the
// station's role and account, or sets the new password of the station's
// existing one (which disconnects a station connected with the old one).
// Errors: Conflict (reason broker_account_taken) when the username is the
// hub's own or an account that is not this hub's station's.
func (d *Dynsec) SetStationSecret(ctx context.Context, station, secret string) error {
	acc, err := d.stationAccount(ctx, station)
	if err != nil {
		return err
	}
	if err := d.ensureStationRole(ctx, station); err != nil {
		return err
	}
	if !acc.found {
		err := d.run(ctx, []dynsecCommand{{"command": "createClient", "username": station, "password": secret, "clientid": StationClientID(station),
			"textname": "cityhub station " + station, "roles": []map[string]any{{"rolename": d.stationRole(station)}}}})
		if err == nil || !strings.Contains(err.Error(), "Client already exists") {
			return err
		}
		// Made meanwhile, by someone else or another replica: look again.
		if acc, err = d.account(ctx, station); err != nil {
			return err
		} else if !acc.ours {
			return taken(station)
		}
	}
	return d.run(ctx, []dynsecCommand{
		{"command": "setClientId", "username": station, "clientid": StationClientID(station)},
		{"command": "setClientPassword", "username": station, "password": secret},
	})
}

// ensureStationRole creates the station's role with its rules, or adds the
// rules an existing one lacks.
func (d *Dynsec) ensureStationRole(ctx context.Context, station string) error {
	role := d.stationRole(station)
	prefix := d.topics.StationPrefix(station)
	cmds := []dynsecCommand{{"command": "createRole", "rolename": role, "textname": "cityhub station " + station}}
	for _, t := range []string{"status", "events", "online", "replies/+"} {
		cmds = append(cmds, dynsecCommand{"command": "addRoleACL", "rolename": role, "acltype": "publishClientSend", "topic": prefix + t, "allow": true})
	}
	cmds = append(cmds, dynsecCommand{"command": "addRoleACL", "rolename": role, "acltype": "subscribeLiteral", "topic": d.topics.Commands(station), "allow": true})
	return d.run(ctx, cmds, "Role already exists", "ACL with this topic already exists")
}

// RemoveStation implements mobility.BrokerAccounts: it deletes the station's
// account (which disconnects it) and its role. An account under the
// station's name that is not the station's is left alone: Conflict, as for
// SetStationSecret.
func (d *Dynsec) RemoveStation(ctx context.Context, station string) error {
	if _, err := d.stationAccount(ctx, station); err != nil {
		return err
	}
	return d.run(ctx, []dynsecCommand{
		{"command": "deleteClient", "username": station},
		{"command": "deleteRole", "rolename": d.stationRole(station)},
	}, "Client not found", "Role not found")
}

// stationAccount is the broker account a station's credential change
// touches, once it is known to be one the hub may manage: Conflict (reason
// broker_account_taken) for the hub's own username or an account that is
// not this hub's station's.
func (d *Dynsec) stationAccount(ctx context.Context, station string) (stationAccount, error) {
	if err := d.mayManage(station); err != nil {
		return stationAccount{}, err
	}
	acc, err := d.account(ctx, station)
	if err != nil {
		return stationAccount{}, err
	}
	if acc.found && !acc.ours {
		return stationAccount{}, taken(station)
	}
	return acc, nil
}
