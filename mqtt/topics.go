// Package mqtt is the hub's MQTT transport to the bike stations: the paho
// client every hub instance runs, the embedded broker (mochi-mqtt) the hub
// starts when no external broker is configured, and the topic contract of
// docs/mqtt.md. It decodes station messages with the mobility codec and hands
// them to bounded queues drained in batches by workers; it carries unlock
// commands and routes replies to the request that waits for them. It holds no
// rules and never touches the database: mobility.Service does.
package mqtt

import (
	"strings"

	"cityhub/mobility"
)

// DefaultRoot is the topic root of protocol version 1.
const DefaultRoot = "cityhub/v1"

// DefaultShareGroup is the shared-subscription group of every hub replica,
// so that each telemetry message reaches exactly one of them.
const DefaultShareGroup = "cityhub"

// Topics builds and parses the topics under one root.
type Topics struct{ Root string }

// Station is the topic of a station's messages of kind.
func (t Topics) Station(station string, kind mobility.Kind) string {
	return t.Root + "/stations/" + station + "/" + string(kind)
}

// Commands is the topic a station listens on for commands.
func (t Topics) Commands(station string) string { return t.Root + "/stations/" + station + "/commands" }

// Replies is where station answers a command of hub instance: under the
// station's own prefix, so the one broker rule that confines a station
// ("publish only under {root}/stations/{your id}/") also makes the topic say
// who answered. A forged reply would have to come from the station asked.
func (t Topics) Replies(station, instance string) string {
	return t.Root + "/stations/" + station + "/replies/" + instance
}

// RepliesFilter matches every station's replies to hub instance.
func (t Topics) RepliesFilter(instance string) string {
	return t.Root + "/stations/+/replies/" + instance
}

// ParseReply returns the station a reply topic of instance belongs to.
func (t Topics) ParseReply(topic, instance string) (station string, ok bool) {
	rest, found := strings.CutPrefix(topic, t.Root+"/stations/")
	if !found {
		return "", false
	}
	station, rest, found = strings.Cut(rest, "/")
	if !found || station == "" || rest != "replies/"+instance {
		return "", false
	}
	return station, true
}

// StationPrefix is the prefix under which station may publish.
func (t Topics) StationPrefix(station string) string { return t.Root + "/stations/" + station + "/" }

// Shared is the shared-subscription filter for every station's kind.
func (t Topics) Shared(group string, kind mobility.Kind) string {
	return "$share/" + group + "/" + t.Root + "/stations/+/" + string(kind)
}

// ParseStation splits a station topic into station id and kind.
func (t Topics) ParseStation(topic string) (station string, kind mobility.Kind, ok bool) {
	rest, found := strings.CutPrefix(topic, t.Root+"/stations/")
	if !found {
		return "", "", false
	}
	station, k, found := strings.Cut(rest, "/")
	if !found || station == "" || strings.Contains(k, "/") {
		return "", "", false
	}
	switch kind := mobility.Kind(k); kind {
	case mobility.KindStatus, mobility.KindEvents, mobility.KindOnline:
		return station, kind, true
	}
	return station, "", false
}
