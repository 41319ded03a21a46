package mqtt

import (
	"bytes"
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/prometheus/client_golang/prometheus"

	"cityhub/logpace"
	"cityhub/mobility"
)

// StationAuthenticator checks a station's credential; mobility.Service is one.
type StationAuthenticator interface {
	AuthenticateStation(ctx context.Context, username, secret string) (bool, error)
}

// StationClientID is the MQTT client id a station must connect with.
func StationClientID(station string) string { return "station-" + station }

// hubUsername is the embedded broker's account for the hub itself. A colon
// is never part of a station id, so no station can take the name.
const hubUsername = "cityhub:hub"

// How long a verified login is remembered: a station that reconnects (or a
// whole city of them after a broker restart) costs one argon2id check per
// minute, not one per CONNECT. Rotation and revocation forget at once, and
// again once committed (brokerverify.go). A refused secret is remembered
// for refusedFor, apart from the verified one (brokerguard.go): a minute,
// so that a station left with an old secret, which retries every few
// seconds for as long as it runs, costs its username one check a minute,
// less than the budget refills (userRefill), and never locks the station's
// new secret out.
const (
	verifiedFor = time.Minute
	refusedFor  = time.Minute
	cacheBound  = 100_000
)

// authHook is the embedded broker's gatekeeper, the same rules Mosquitto's
// dynamic-security roles enforce (see docs/mqtt.md): the hub's account may
// publish commands and read everything under the root; a station, logged in
// with its own credential, may publish its status, events, online flag and
// replies under its own prefix and subscribe to its own commands, nothing
// else; anyone else is refused at CONNECT.
type authHook struct {
	mochi.HookBase
	topics   Topics
	stations StationAuthenticator
	hubPass  []byte
	log      *slog.Logger

	mu sync.Mutex
	// guard remembers verified and refused logins and throttles failed
	// ones (brokerguard.go).
	guard *loginGuard
	// refusals decides which refused logins are logged; refused counts them all.
	refusals logpace.Pace
	refused  *prometheus.CounterVec
	// epochs counts the changes of each station's credential (see verify).
	epochs map[string]uint64
	// admitted is the epoch each station's connection was verified at,
	// until its session is established (see OnSessionEstablished).
	admitted map[*mochi.Client]uint64
	// retainLogged is when a station's retain flag was last logged.
	retainLogged map[string]time.Time
	// checks bounds concurrent argon2id checks (19 MiB each): a flood of
	// bad logins is refused instead of exhausting memory; waiting counts
	// the logins waiting for a slot (see check).
	checks  chan struct{}
	waiting atomic.Int32
}

// Reasons a station login is refused (cityhub_mqtt_broker_logins_refused_total).
const (
	reasonWrongSecret = "wrong_secret" // checked, or the same secret refused lately
	reasonThrottled   = "throttled"    // too many failures for the username or address: not checked
	reasonBusy        = "busy"         // no hashing slot came free in time: not checked
	reasonError       = "error"        // the store could not answer
	reasonChanging    = "changing"     // the credential kept changing during the checks
	reasonClientID    = "client_id"    // not the station's own client id
	reasonWill        = "will"         // a will the station may not leave
	reasonAnonymous   = "anonymous"    // no username
	reasonHubAccount  = "hub_account"  // the hub's own account name with a wrong password
)

func newAuthHook(root string, stations StationAuthenticator, log *slog.Logger, reg prometheus.Registerer) (*authHook, error) {
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cityhub_mqtt_broker_logins_refused_total",
		Help: "Station logins the embedded broker refused, by reason (wrong_secret, throttled: too many failures for the username or address, busy: no hashing slot in time, error, changing, client_id, will, anonymous: no username, hub_account: the hub's own account name with a wrong password)."},
		[]string{"reason"})
	if err := reg.Register(refused); err != nil {
		return nil, fmt.Errorf("embedded broker metrics: %w", err)
	}
	return &authHook{topics: Topics{Root: root}, stations: stations, hubPass: []byte(randomSecret()),
		log: log.With(slog.String("component", "broker")), guard: newLoginGuard(), refused: refused, epochs: map[string]uint64{},
		admitted: map[*mochi.Client]uint64{}, retainLogged: map[string]time.Time{}, checks: make(chan struct{}, hashSlots)}, nil
}

// refuse counts a refused station login, and logs it (msg, with attrs) at
// most once a minute per username and reason, with the number of the
// refusals not logged since the last line.
func (h *authHook) refuse(user, reason, msg string, attrs ...any) {
	h.refused.WithLabelValues(reason).Inc()
	logIt, suppressed := h.refusals.Note(reason+"\x00"+user, time.Now())
	if !logIt {
		return
	}
	attrs = append(attrs, slog.String("station", user), slog.String("reason", reason), slog.Int("refused_unlogged_since_last", suppressed))
	level := slog.LevelInfo
	switch reason {
	case reasonError:
		level = slog.LevelError
	case reasonClientID, reasonWill, reasonChanging, reasonBusy, reasonHubAccount:
		level = slog.LevelWarn
	}
	h.log.Log(context.Background(), level, msg+" (logged at most once a minute per station and reason)", attrs...)
}

func (h *authHook) ID() string { return "cityhub-station-auth" }

func (h *authHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mochi.OnConnectAuthenticate, mochi.OnACLCheck, mochi.OnPublish, mochi.OnSessionEstablished}, []byte{b})
}

// OnConnectAuthenticate refuses anonymous clients, wrong secrets, wills
// outside the station's own prefix and retained wills the broker would not
// keep (see OnPublish).
func (h *authHook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	user, pass := string(pk.Connect.Username), pk.Connect.Password
	if user == "" {
		h.refuse(user, reasonAnonymous, "client refused: no username", slog.String("client_id", cl.ID), slog.String("remote", cl.Net.Remote))
		return false
	}
	if user == hubUsername {
		if subtle.ConstantTimeCompare(pass, h.hubPass) == 1 {
			return true
		}
		// Only the hub knows its password, made at start: someone
		// guessing it is worth a warning.
		h.refuse(user, reasonHubAccount, "client refused: the hub's own account name with a wrong password", slog.String("client_id", cl.ID), slog.String("remote", cl.Net.Remote))
		return false
	}
	// One client id per station, so that no station can take over another
	// one's session (the broker would disconnect the other).
	if cl.ID != StationClientID(user) {
		h.refuse(user, reasonClientID, "station refused: client id is not its own", slog.String("client_id", cl.ID))
		return false
	}
	if pk.Connect.WillFlag && !h.stationMayWrite(user, pk.Connect.WillTopic) {
		h.refuse(user, reasonWill, "station refused: its will is outside its own prefix", slog.String("topic", pk.Connect.WillTopic))
		return false
	}
	if pk.Connect.WillFlag && pk.Connect.WillRetain && !h.retainable(pk.Connect.WillTopic) {
		h.refuse(user, reasonWill, "station refused: its will is retained on a topic that keeps nothing", slog.String("topic", pk.Connect.WillTopic))
		return false
	}
	return h.verify(cl, user, pass)
}

// OnPublish drops the retain flag of every message but a station's status
// and online flag, the only state the protocol keeps: events and replies
// are for whoever listens now. Retained, each events topic and each of the
// replies/{instance} topics a station may invent would hold a message in
// the broker's memory for good, and a retained reply would come back to a
// hub every time it subscribes. The message itself is delivered (an event
// is not lost for a wrong flag); refusing it instead would, on MQTT 3.1.1,
// leave a QoS 1 publish unacknowledged.
func (h *authHook) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if !pk.FixedHeader.Retain || cl.Net.Inline || h.retainable(pk.TopicName) {
		return pk, nil
	}
	pk.FixedHeader.Retain = false
	user := string(cl.Properties.Username)
	now := time.Now()
	h.mu.Lock()
	logIt := now.Sub(h.retainLogged[user]) >= time.Minute
	if logIt {
		if len(h.retainLogged) >= cacheBound {
			clear(h.retainLogged)
		}
		h.retainLogged[user] = now
	}
	h.mu.Unlock()
	if logIt {
		h.log.Warn("retain flag dropped: only status and online are kept (logged once a minute per client)",
			slog.String("user", user), slog.String("topic", pk.TopicName))
	}
	return pk, nil
}

// retainable: a station's status and online flag, under the root.
func (h *authHook) retainable(topic string) bool {
	_, kind, ok := h.topics.ParseStation(topic)
	return ok && (kind == mobility.KindStatus || kind == mobility.KindOnline)
}

// OnACLCheck decides each publish (write), subscription and delivery.
func (h *authHook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	user := string(cl.Properties.Username)
	if user == hubUsername {
		if write {
			_, ok := h.commandsStation(topic)
			return ok
		}
		return strings.HasPrefix(unshare(topic), h.topics.Root+"/")
	}
	if write {
		return h.stationMayWrite(user, topic)
	}
	return topic == h.topics.Commands(user)
}

// stationMayWrite: status, events, online and replies/{instance} under the
// station's own prefix; never commands, never another station's topics.
// {instance} must be one a hub can have (mobility.ValidID, which
// mqtt.New holds instance ids to): no hub listens on any other.
func (h *authHook) stationMayWrite(user, topic string) bool {
	rest, ok := strings.CutPrefix(topic, h.topics.StationPrefix(user))
	if !ok || user == "" {
		return false
	}
	switch rest {
	case "status", "events", "online":
		return true
	}
	instance, ok := strings.CutPrefix(rest, "replies/")
	return ok && mobility.ValidID(instance)
}

// commandsStation returns the station of a commands topic.
func (h *authHook) commandsStation(topic string) (string, bool) {
	rest, ok := strings.CutPrefix(topic, h.topics.Root+"/stations/")
	if !ok {
		return "", false
	}
	station, ok := strings.CutSuffix(rest, "/commands")
	return station, ok && station != "" && !strings.ContainsAny(station, "/+#")
}

// unshare strips a $share/{group}/ prefix from a subscription filter.
func unshare(filter string) string {
	rest, ok := strings.CutPrefix(filter, "$share/")
	if !ok {
		return filter
	}
	if _, f, ok := strings.Cut(rest, "/"); ok {
		return f
	}
	return ""
}
