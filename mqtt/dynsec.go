package mqtt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/ids"
	"cityhub/mobility"
	"cityhub/mqtt/pahostore"
)

// Dynsec drives Mosquitto's dynamic-security plugin (Mosquitto 2.0), so the
// broker itself enforces station credentials: the hub, connected with an
// account that holds the plugin's admin role, creates one broker account per
// station (username: the station id, client id pinned to station-{id}, so no
// station can take over another's session) with a role that lets it publish its
// status, events, online flag and replies under its own prefix and subscribe
// to its own commands, and gives its own account the right to publish
// commands. Mosquitto 2.0.11's plugin does not expand %u in role topics, so
// each station gets a role of its own.
//
// The hub keeps only hashes, so it cannot re-send secrets: a broker that
// lost its dynamic-security file needs the stations' credentials rotated.
type Dynsec struct {
	cli    paho.Client
	topics Topics
	user   string
	log    *slog.Logger
	seq    atomic.Int64

	mu      sync.Mutex
	pending map[string]chan dynsecResponse
}

// DynsecOptions say how to reach the broker's dynamic-security plugin.
type DynsecOptions struct {
	URL      string
	Username string // an account with the plugin's admin role; the hub's own
	Password string
	Root     string // topic root, DefaultRoot
	Log      *slog.Logger
}

const (
	dynsecTopic      = "$CONTROL/dynamic-security/v1"
	dynsecReplyTopic = dynsecTopic + "/response"
)

type dynsecCommand map[string]any

type dynsecResponse struct {
	Command     string          `json:"command"`
	Error       string          `json:"error,omitempty"`
	Data        json.RawMessage `json:"data,omitempty"`
	Correlation string          `json:"correlationData,omitempty"`
}

// StartDynsec connects and makes sure the hub's own account may publish
// commands under the root.
func StartDynsec(ctx context.Context, opts DynsecOptions) (*Dynsec, error) {
	d, err := connectDynsec(opts, true)
	if err != nil {
		return nil, err
	}
	if err := d.ensureHubMayCommand(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// DynsecAccess is what the plugin says of the hub's account: whether one of
// its roles lets it publish commands under the root (Probe is the command
// topic asked about), and whether it holds HubRole, to which a start adds
// that right when it is missing.
type DynsecAccess struct {
	MayCommand bool
	HasHubRole bool
	Probe      string
}

// CheckDynsec asks the plugin, with the hub's account, what that account
// may do, and changes nothing: it answers only if the account is the
// plugin's admin. cityhub check uses it; ctx bounds the wait for answers.
func CheckDynsec(ctx context.Context, opts DynsecOptions) (DynsecAccess, error) {
	d, err := connectDynsec(opts, false)
	if err != nil {
		return DynsecAccess{}, err
	}
	defer d.Close()
	a := DynsecAccess{Probe: d.topics.Commands("station")}
	a.MayCommand, a.HasHubRole, err = d.hubCovers(ctx, a.Probe)
	return a, err
}

// connectDynsec connects with the hub's account and subscribes to the
// plugin's answers, which the broker grants only to the plugin's admin.
func connectDynsec(opts DynsecOptions, reconnect bool) (*Dynsec, error) {
	if opts.Username == "" {
		return nil, errors.New("dynamic security: the hub needs a broker username (CITYHUB_MQTT_USERNAME) with the plugin's admin role")
	}
	if opts.Root == "" {
		opts.Root = DefaultRoot
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	d := &Dynsec{topics: Topics{Root: opts.Root}, user: opts.Username, pending: map[string]chan dynsecResponse{},
		log: opts.Log.With(slog.String("component", "dynsec"))}
	po := paho.NewClientOptions().AddBroker(opts.URL).SetClientID("cityhub-dynsec-" + ids.Token(8)[:12]).
		SetUsername(opts.Username).SetPassword(opts.Password).SetCleanSession(true).SetOrderMatters(false).SetStore(pahostore.New()).
		SetAutoReconnect(reconnect).SetConnectRetry(false).SetConnectTimeout(5 * time.Second).SetMaxReconnectInterval(2 * time.Second).
		SetOnConnectHandler(func(c paho.Client) { c.Subscribe(dynsecReplyTopic, 1, d.onResponse) })
	d.cli = paho.NewClient(po)
	tok := d.cli.Connect()
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		return nil, fmt.Errorf("dynamic security: connect to %s: %v", opts.URL, tok.Error())
	}
	// The connect handler subscribes again after a reconnection; the first
	// time, wait for it, so no answer comes before the subscription.
	sub := d.cli.Subscribe(dynsecReplyTopic, 1, d.onResponse)
	if !sub.WaitTimeout(10*time.Second) || sub.Error() != nil {
		d.Close()
		return nil, fmt.Errorf("dynamic security: subscribe to the plugin's answers: %v", sub.Error())
	}
	if st, ok := sub.(*paho.SubscribeToken); ok && st.Result()[dynsecReplyTopic] == 0x80 {
		d.Close()
		return nil, fmt.Errorf("dynamic security: the broker refuses account %s the plugin's answers (%s): the account does not hold the plugin's admin role", opts.Username, dynsecReplyTopic)
	}
	return d, nil
}

// HubRole is the role the hub's account must hold: it carries the right to
// publish commands (see deploy/mosquitto/mosquitto.conf for its setup).
const HubRole = "cityhub-hub"

// ensureHubMayCommand checks that one of the hub account's roles lets it
// publish commands under the root. If not, it adds the rule to HubRole, once
// per new root: the plugin then disconnects every client of that role, so
// connected replicas reconnect once.
func (d *Dynsec) ensureHubMayCommand(ctx context.Context) error {
	probe := d.topics.Commands("station")
	covered, hasRole, err := d.hubCovers(ctx, probe)
	if err != nil || covered {
		return err
	}
	if !hasRole {
		return errors.New("dynamic security: " + HubRoleHelp(d.user, d.topics.Root))
	}
	d.log.Warn("adding this root's command topics to the hub role; connected hubs reconnect once", slog.String("role", HubRole), slog.String("root", d.topics.Root))
	// The answer may be lost: the change disconnects this very connection.
	_ = d.run(ctx, []dynsecCommand{{"command": "addRoleACL", "rolename": HubRole, "acltype": "publishClientSend", "topic": d.topics.Commands("+"), "allow": true}},
		"ACL with this topic already exists")
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if covered, _, err := d.hubCovers(ctx, probe); err == nil && covered {
			return nil
		}
	}
	return fmt.Errorf("dynamic security: could not let account %s publish %s", d.user, probe)
}

// HubRoleHelp says what an account that may not publish commands under
// root, and lacks HubRole, needs, as the commands that give it.
func HubRoleHelp(user, root string) string {
	t := Topics{Root: root}
	return fmt.Sprintf("account %s may not publish %s; give it the role %q (mosquitto_ctrl dynsec createRole %s; addRoleACL %s publishClientSend '%s' allow; addClientRole %s %s)",
		user, t.Commands("station"), HubRole, HubRole, HubRole, t.Commands("+"), user, HubRole)
}

// hubCovers reports whether an allow rule of the hub account's roles
// matches topic for publishing, and whether the account holds HubRole.
func (d *Dynsec) hubCovers(ctx context.Context, topic string) (covered, hasRole bool, err error) {
	var client struct {
		Client struct {
			Roles []struct {
				Name string `json:"rolename"`
			} `json:"roles"`
		} `json:"client"`
	}
	if err := d.query(ctx, dynsecCommand{"command": "getClient", "username": d.user}, &client); err != nil {
		return false, false, err
	}
	for _, r := range client.Client.Roles {
		hasRole = hasRole || r.Name == HubRole
		var role struct {
			Role struct {
				ACLs []struct {
					Type  string `json:"acltype"`
					Topic string `json:"topic"`
					Allow bool   `json:"allow"`
				} `json:"acls"`
			} `json:"role"`
		}
		if err := d.query(ctx, dynsecCommand{"command": "getRole", "rolename": r.Name}, &role); err != nil {
			return false, hasRole, err
		}
		for _, a := range role.Role.ACLs {
			if a.Type == "publishClientSend" && a.Allow && topicMatches(a.Topic, topic) {
				covered = true
			}
		}
	}
	return covered, hasRole, nil
}

// query runs one command and decodes its data into out.
func (d *Dynsec) query(ctx context.Context, cmd dynsecCommand, out any) error {
	var data json.RawMessage
	if err := d.runData(ctx, []dynsecCommand{cmd}, []*json.RawMessage{&data}); err != nil {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("dynamic security %s: %w", cmd["command"], err)
	}
	return nil
}

// topicMatches reports whether filter (with + and #) matches topic.
func topicMatches(filter, topic string) bool {
	f, t := strings.Split(filter, "/"), strings.Split(topic, "/")
	for i, level := range f {
		if level == "#" {
			return true
		}
		if i >= len(t) || level != "+" && level != t[i] {
			return false
		}
	}
	return len(f) == len(t)
}

// Close disconnects.
func (d *Dynsec) Close() { d.cli.Disconnect(250) }

var _ mobility.BrokerAccounts = (*Dynsec)(nil)

// run sends cmds in one message and waits for every answer. The plugin
// answers with English sentences only; the ones in ignore mean "already so"
// and count as success.
func (d *Dynsec) run(ctx context.Context, cmds []dynsecCommand, ignore ...string) error {
	return d.runData(ctx, cmds, nil, ignore...)
}

// runData is run that also keeps each answer's data in out (when not nil).
func (d *Dynsec) runData(ctx context.Context, cmds []dynsecCommand, out []*json.RawMessage, ignore ...string) error {
	chans := make([]chan dynsecResponse, len(cmds))
	d.mu.Lock()
	for i, c := range cmds {
		id := fmt.Sprintf("c%d", d.seq.Add(1))
		c["correlationData"] = id
		chans[i] = make(chan dynsecResponse, 1)
		d.pending[id] = chans[i]
	}
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		for _, c := range cmds {
			delete(d.pending, c["correlationData"].(string))
		}
		d.mu.Unlock()
	}()
	payload, err := json.Marshal(map[string]any{"commands": cmds})
	if err != nil {
		return fmt.Errorf("dynamic security: encode: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tok := d.cli.Publish(dynsecTopic, 1, false, payload)
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return fmt.Errorf("dynamic security: send: %w", err)
		}
	case <-ctx.Done():
		return fmt.Errorf("dynamic security: send: %w", ctx.Err())
	}
	var errs []error
	for i, ch := range chans {
		select {
		case r := <-ch:
			if r.Error != "" && !slices.Contains(ignore, r.Error) {
				errs = append(errs, fmt.Errorf("dynamic security %s: %s", r.Command, r.Error))
			}
			if i < len(out) && out[i] != nil {
				*out[i] = r.Data
			}
		case <-ctx.Done():
			return fmt.Errorf("dynamic security %s: no answer from the broker (is the plugin loaded and the hub's account its admin?): %w", cmds[i]["command"], ctx.Err())
		}
	}
	return errors.Join(errs...)
}

func (d *Dynsec) onResponse(_ paho.Client, m paho.Message) {
	var body struct {
		Responses []dynsecResponse `json:"responses"`
	}
	if err := json.Unmarshal(m.Payload(), &body); err != nil {
		d.log.Warn("unreadable dynamic-security response", slog.Any("error", err))
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range body.Responses {
		if ch := d.pending[r.Correlation]; ch != nil {
			select {
			case ch <- r:
			default:
			}
		}
	}
}
