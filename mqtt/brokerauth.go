package mqtt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"strings"
	"sync"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
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
// minute, not one per CONNECT. Rotation and revocation forget at once.
const (
	verifiedFor = time.Minute
	refusedFor  = 10 * time.Second
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

	mu    sync.Mutex
	cache map[string]verdict // by username
	// checks bounds concurrent argon2id checks (19 MiB each): a flood of
	// bad logins queues instead of exhausting memory.
	checks chan struct{}
}

type verdict struct {
	sum   [32]byte
	ok    bool
	until time.Time
}

func (h *authHook) ID() string { return "cityhub-station-auth" }

func (h *authHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mochi.OnConnectAuthenticate, mochi.OnACLCheck}, []byte{b})
}

// OnConnectAuthenticate refuses anonymous clients, wrong secrets and wills
// outside the station's own prefix.
func (h *authHook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	user, pass := string(pk.Connect.Username), pk.Connect.Password
	if user == "" {
		return false
	}
	if user == hubUsername {
		return subtle.ConstantTimeCompare(pass, h.hubPass) == 1
	}
	// One client id per station, so that no station can take over another
	// one's session (the broker would disconnect the other).
	if cl.ID != StationClientID(user) {
		h.log.Warn("station refused: client id is not its own", slog.String("station", user), slog.String("client_id", cl.ID))
		return false
	}
	if pk.Connect.WillFlag && !h.stationMayWrite(user, pk.Connect.WillTopic) {
		h.log.Warn("station refused: its will is outside its own prefix", slog.String("station", user), slog.String("topic", pk.Connect.WillTopic))
		return false
	}
	return h.verify(user, pass)
}

func (h *authHook) verify(user string, pass []byte) bool {
	sum := sha256.Sum256(pass)
	now := time.Now()
	h.mu.Lock()
	v, seen := h.cache[user]
	h.mu.Unlock()
	if seen && now.Before(v.until) && subtle.ConstantTimeCompare(v.sum[:], sum[:]) == 1 {
		return v.ok
	}
	h.checks <- struct{}{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	ok, err := h.stations.AuthenticateStation(ctx, user, string(pass))
	cancel()
	<-h.checks
	if err != nil {
		h.log.Error("station login could not be checked; refused", slog.String("station", user), slog.Any("error", err))
		return false
	}
	until := now.Add(refusedFor)
	if ok {
		until = now.Add(verifiedFor)
	}
	h.mu.Lock()
	if len(h.cache) >= cacheBound {
		clear(h.cache)
	}
	h.cache[user] = verdict{sum: sum, ok: ok, until: until}
	h.mu.Unlock()
	if !ok {
		h.log.Info("station login refused", slog.String("station", user))
	}
	return ok
}

// forget drops what the hook remembers of a station's logins.
func (h *authHook) forget(user string) {
	h.mu.Lock()
	delete(h.cache, user)
	h.mu.Unlock()
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
	return ok && instance != "" && !strings.ContainsAny(instance, "/+#")
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
