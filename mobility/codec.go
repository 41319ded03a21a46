package mobility

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// The station protocol, version 1 (docs/mqtt.md is the vendor's copy). Every
// payload is a JSON object with "v":1 and an RFC 3339 "ts"; unknown fields are
// ignored so stations and hubs can grow independently.

// ProtocolVersion is the "v" every payload carries.
const ProtocolVersion = 1

// MaxPayload bounds one telemetry message.
const MaxPayload = 64 << 10

// MaxClockSkew is how far ahead of the hub's clock a station's "ts" may be.
// A message stamped further in the future is refused (ErrFutureTS): the hub
// orders a station's messages by "ts", so one such message would otherwise
// hide every later status of that station.
const MaxClockSkew = 2 * time.Minute

// Kind is what a telemetry message is, from its topic's last segment.
type Kind string

const (
	KindStatus Kind = "status"
	KindEvents Kind = "events"
	KindOnline Kind = "online"
)

// Event types a station publishes on its events topic.
const (
	EventBikeDocked   = "bike_docked"
	EventBikeUndocked = "bike_undocked"
	EventDockFault    = "dock_fault"
	EventTamper       = "tamper"
)

// Telemetry is one decoded message from a station: exactly one of Status,
// Event or Online is set.
type Telemetry struct {
	StationID string
	Kind      Kind
	Status    *StatusReport
	Event     *Event
	Online    *OnlineReport
	// Received is when the hub got the message (used when a message has no ts).
	Received time.Time
	// Retained is set on a message the broker kept and delivered again
	// because the hub subscribed: its "ts" may be long past.
	Retained bool
}

// StatusReport is a station's full state, published retained.
type StatusReport struct {
	TS     time.Time
	Online bool
	Docks  []DockState
	Faults []string
}

// Event is something that happened at a station.
type Event struct {
	TS      time.Time
	ID      string // the station's event id, for logs
	Type    string
	Dock    int
	BikeID  string
	Battery *int
	Fault   string
	Detail  string
}

// OnlineReport is the retained liveness flag (the station's will says false).
type OnlineReport struct {
	Online bool
	// TS is zero for the bare true/false form, the will's form.
	TS time.Time
}

// ErrMalformed marks a payload that does not follow the protocol.
var ErrMalformed = errors.New("malformed telemetry")

// ErrFutureTS marks a well-formed message whose "ts" is more than
// MaxClockSkew ahead of the hub's clock when it arrived.
var ErrFutureTS = errors.New("station clock ahead of the hub's")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

type wireDock struct {
	Dock    int     `json:"dock"`
	Bike    *string `json:"bike,omitempty"`
	Locked  *bool   `json:"locked"`
	Battery *int    `json:"battery,omitempty"`
	Fault   string  `json:"fault,omitempty"`
}

type wireStatus struct {
	V       *int        `json:"v"`
	TS      string      `json:"ts"`
	Station string      `json:"station"`
	Online  *bool       `json:"online"`
	Docks   *[]wireDock `json:"docks"`
	Faults  []string    `json:"faults,omitempty"`
}

type wireEvent struct {
	V       *int   `json:"v"`
	TS      string `json:"ts"`
	Station string `json:"station"`
	EventID string `json:"event_id,omitempty"`
	Event   string `json:"event"`
	Dock    int    `json:"dock,omitempty"`
	Bike    string `json:"bike,omitempty"`
	Battery *int   `json:"battery,omitempty"`
	Fault   string `json:"fault,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

type wireOnline struct {
	V       *int   `json:"v"`
	TS      string `json:"ts"`
	Station string `json:"station"`
	Online  *bool  `json:"online"`
}

// MaxCode is the longest fault or error code, in bytes.
const MaxCode = 64

// ValidCode reports whether s is a fault or error code a station may send:
// 1 to MaxCode characters of a-z, 0-9, '_', '.' and '-' (docs/mqtt.md).
// Codes are stored and shown to operators, so nothing else gets in: no
// control character (PostgreSQL refuses a NUL in jsonb, which failed every
// batch the message was in), no markup, no spaces.
func ValidCode(s string) bool {
	if s == "" || len(s) > MaxCode {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// validText reports whether s, a free-text field a station sends (an event
// id, a detail, a reply's message), is valid UTF-8 without control
// characters: those are stored and logged, and a NUL cannot be stored in
// PostgreSQL's jsonb.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func checkVersion(v *int) error {
	if v == nil {
		return malformed(`missing "v"`)
	}
	if *v != ProtocolVersion {
		return malformed(`unsupported version %d`, *v)
	}
	return nil
}

func parseTS(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, malformed(`missing "ts"`)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, malformed(`"ts" is not RFC 3339: %q`, s)
	}
	if t.Year() < 2000 || t.Year() > 9999 {
		return time.Time{}, malformed(`"ts" out of range`)
	}
	return t.UTC(), nil
}

// DecodeTelemetry decodes a payload that arrived for station on a topic of
// kind at received (the hub's clock). Errors wrap ErrMalformed, or
// ErrFutureTS for a "ts" more than MaxClockSkew after received; the station
// id in a payload, when present, must match the topic's.
func DecodeTelemetry(station string, kind Kind, payload []byte, received time.Time) (Telemetry, error) {
	t, err := decodeTelemetry(station, kind, payload, received)
	if err == nil && !received.IsZero() && t.TS().After(received.Add(MaxClockSkew)) {
		return t, fmt.Errorf("%w: %s %s stamped %s, received %s", ErrFutureTS, station, kind,
			t.TS().Format(time.RFC3339), received.UTC().Format(time.RFC3339))
	}
	return t, err
}

// TS is the station's time of the message (zero for a bare online flag).
func (t Telemetry) TS() time.Time {
	switch {
	case t.Status != nil:
		return t.Status.TS
	case t.Event != nil:
		return t.Event.TS
	case t.Online != nil:
		return t.Online.TS
	}
	return time.Time{}
}

func decodeTelemetry(station string, kind Kind, payload []byte, received time.Time) (Telemetry, error) {
	t := Telemetry{StationID: station, Kind: kind, Received: received}
	if !ValidID(station) {
		return t, malformed("station id %q in topic", station)
	}
	if len(payload) > MaxPayload {
		return t, malformed("payload of %d bytes", len(payload))
	}
	// JSON is UTF-8 (RFC 8259); encoding/json would quietly turn invalid
	// bytes into U+FFFD, storing what the station never said.
	if !utf8.Valid(payload) {
		return t, malformed("payload is not valid UTF-8")
	}
	switch kind {
	case KindStatus:
		s, err := decodeStatus(station, payload)
		t.Status = s
		return t, err
	case KindEvents:
		e, err := decodeEvent(station, payload)
		t.Event = e
		return t, err
	case KindOnline:
		o, err := decodeOnline(station, payload)
		t.Online = o
		return t, err
	}
	return t, malformed("unknown topic kind %q", kind)
}

func checkStation(topic, payload string) error {
	if payload != "" && payload != topic {
		return malformed("payload names station %q on the topic of %q", payload, topic)
	}
	return nil
}

func decodeStatus(station string, payload []byte) (*StatusReport, error) {
	var w wireStatus
	if err := json.Unmarshal(payload, &w); err != nil {
		return nil, malformed("status is not a JSON object: %v", err)
	}
	if err := checkVersion(w.V); err != nil {
		return nil, err
	}
	ts, err := parseTS(w.TS)
	if err != nil {
		return nil, err
	}
	if err := checkStation(station, w.Station); err != nil {
		return nil, err
	}
	// A status is the whole state: without "docks" the hub could not tell an
	// empty station from a station that left the field out.
	if w.Docks == nil {
		return nil, malformed(`status without "docks"`)
	}
	docks := *w.Docks
	if len(docks) > MaxCapacity {
		return nil, malformed("%d docks", len(docks))
	}
	s := &StatusReport{TS: ts, Online: w.Online == nil || *w.Online, Docks: make([]DockState, 0, len(docks))}
	seenDock := map[int]bool{}
	seenBike := map[string]bool{}
	for _, d := range docks {
		if d.Dock < 1 || d.Dock > MaxCapacity || seenDock[d.Dock] {
			return nil, malformed("dock number %d", d.Dock)
		}
		seenDock[d.Dock] = true
		ds := DockState{Dock: d.Dock, Locked: d.Locked == nil || *d.Locked, Fault: d.Fault}
		if d.Bike != nil && *d.Bike != "" {
			if !ValidID(*d.Bike) || seenBike[*d.Bike] {
				return nil, malformed("bike id %q at dock %d", *d.Bike, d.Dock)
			}
			seenBike[*d.Bike] = true
			ds.BikeID = *d.Bike
		}
		if d.Battery != nil {
			if *d.Battery < 0 || *d.Battery > 100 {
				return nil, malformed("battery %d at dock %d", *d.Battery, d.Dock)
			}
			if ds.BikeID != "" {
				b := *d.Battery
				ds.Battery = &b
			}
		}
		if ds.Fault != "" && !ValidCode(ds.Fault) {
			return nil, malformed("fault code %q at dock %d", ds.Fault, d.Dock)
		}
		s.Docks = append(s.Docks, ds)
	}
	if len(w.Faults) > 32 {
		return nil, malformed("%d station faults", len(w.Faults))
	}
	for _, f := range w.Faults {
		if !ValidCode(f) {
			return nil, malformed("station fault code %q", f)
		}
	}
	s.Faults = w.Faults
	return s, nil
}

func decodeEvent(station string, payload []byte) (*Event, error) {
	var w wireEvent
	if err := json.Unmarshal(payload, &w); err != nil {
		return nil, malformed("event is not a JSON object: %v", err)
	}
	if err := checkVersion(w.V); err != nil {
		return nil, err
	}
	ts, err := parseTS(w.TS)
	if err != nil {
		return nil, err
	}
	if err := checkStation(station, w.Station); err != nil {
		return nil, err
	}
	if len(w.EventID) > 128 || len(w.Fault) > MaxCode || len(w.Detail) > 500 || len(w.Event) > 64 {
		return nil, malformed("event field too long")
	}
	if !validText(w.EventID) || !validText(w.Detail) || !validText(w.Event) {
		return nil, malformed("event field with a control character or invalid UTF-8")
	}
	if w.Fault != "" && !ValidCode(w.Fault) {
		return nil, malformed("event fault code %q", w.Fault)
	}
	e := &Event{TS: ts, ID: w.EventID, Type: w.Event, Dock: w.Dock, BikeID: w.Bike, Fault: w.Fault, Detail: w.Detail}
	needDock := func() error {
		if w.Dock < 1 || w.Dock > MaxCapacity {
			return malformed("%s without a valid dock", w.Event)
		}
		return nil
	}
	switch w.Event {
	case EventBikeDocked, EventBikeUndocked:
		if err := needDock(); err != nil {
			return nil, err
		}
		if !ValidID(w.Bike) {
			return nil, malformed("%s with bike id %q", w.Event, w.Bike)
		}
		if w.Battery != nil {
			if *w.Battery < 0 || *w.Battery > 100 {
				return nil, malformed("battery %d", *w.Battery)
			}
			b := *w.Battery
			e.Battery = &b
		}
	case EventDockFault:
		if err := needDock(); err != nil {
			return nil, err
		}
		if w.Fault == "" {
			return nil, malformed("dock_fault without a fault code")
		}
	case EventTamper:
		if w.Dock != 0 {
			if err := needDock(); err != nil {
				return nil, err
			}
		}
	case "":
		return nil, malformed(`event without "event"`)
	default:
		// Event types of a later firmware: well-formed, so not malformed;
		// the hub ignores (and counts) what it does not know.
		if len(w.Event) > 64 {
			return nil, malformed("event type longer than 64 bytes")
		}
	}
	return e, nil
}

func decodeOnline(station string, payload []byte) (*OnlineReport, error) {
	p := bytes.TrimSpace(payload)
	switch string(p) {
	case "true":
		return &OnlineReport{Online: true}, nil
	case "false":
		return &OnlineReport{Online: false}, nil
	}
	var w wireOnline
	if err := json.Unmarshal(p, &w); err != nil {
		return nil, malformed("online is neither true, false nor a JSON object")
	}
	if err := checkVersion(w.V); err != nil {
		return nil, err
	}
	if err := checkStation(station, w.Station); err != nil {
		return nil, err
	}
	ts, err := parseTS(w.TS)
	if err != nil {
		return nil, err
	}
	if w.Online == nil {
		return nil, malformed(`online object without "online"`)
	}
	return &OnlineReport{Online: *w.Online, TS: ts}, nil
}

// ValidRequestID reports whether s is a command's request id: 1 to 100
// characters of A-Z, a-z, 0-9, '-' and '_' (docs/mqtt.md).
func ValidRequestID(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// UnlockCommand asks a station to release a bike from a dock.
type UnlockCommand struct {
	RequestID string
	StationID string
	Dock      int
	BikeID    string
	// Deadline is when the hub stops waiting; a station must not unlock after it.
	Deadline time.Time
	// StationLag is how far the station's clock runs behind the hub's as
	// the hub has learnt it (StationClock; 0 within its slack): the
	// command's ts and deadline go out in the station's clock, so that a
	// station whose clock is off still judges the deadline right. A clock
	// running behind would otherwise carry out a command the hub gave up
	// on, releasing a bike with no ride.
	StationLag time.Duration
	// ReplyTo is the reply topic of the hub instance that sent the command;
	// the transport fills it.
	ReplyTo string
}

type wireCommand struct {
	V         int    `json:"v"`
	TS        string `json:"ts"`
	Type      string `json:"type"`
	RequestID string `json:"request_id"`
	Station   string `json:"station"`
	Dock      int    `json:"dock"`
	Bike      string `json:"bike"`
	Deadline  string `json:"deadline"`
	ReplyTo   string `json:"reply_to"`
}

// EncodeUnlock renders the command payload.
func EncodeUnlock(c UnlockCommand, now time.Time) ([]byte, error) {
	return json.Marshal(wireCommand{V: ProtocolVersion, TS: now.Add(-c.StationLag).UTC().Format(time.RFC3339Nano), Type: "unlock",
		RequestID: c.RequestID, Station: c.StationID, Dock: c.Dock, Bike: c.BikeID,
		Deadline: c.Deadline.Add(-c.StationLag).UTC().Format(time.RFC3339Nano), ReplyTo: c.ReplyTo})
}

// DecodeCommand parses a command payload (stations and the simulator use it).
func DecodeCommand(payload []byte) (UnlockCommand, error) {
	var w struct {
		V         *int   `json:"v"`
		TS        string `json:"ts"`
		Type      string `json:"type"`
		RequestID string `json:"request_id"`
		Station   string `json:"station"`
		Dock      int    `json:"dock"`
		Bike      string `json:"bike"`
		Deadline  string `json:"deadline"`
		ReplyTo   string `json:"reply_to"`
	}
	if err := json.Unmarshal(payload, &w); err != nil {
		return UnlockCommand{}, malformed("command is not a JSON object: %v", err)
	}
	if err := checkVersion(w.V); err != nil {
		return UnlockCommand{}, err
	}
	if w.Type != "unlock" {
		return UnlockCommand{}, malformed("unknown command %q", w.Type)
	}
	dl, err := parseTS(w.Deadline)
	if err != nil {
		return UnlockCommand{}, malformed("deadline: %v", err)
	}
	if !ValidRequestID(w.RequestID) || w.ReplyTo == "" {
		return UnlockCommand{}, malformed("command without a valid request_id or reply_to")
	}
	return UnlockCommand{RequestID: w.RequestID, StationID: w.Station, Dock: w.Dock, BikeID: w.Bike, Deadline: dl, ReplyTo: w.ReplyTo}, nil
}

// Reply results and the error codes a station may answer with.
const (
	ReplyOK    = "ok"
	ReplyError = "error"

	ErrCodeNoBike       = "no_bike"        // the dock holds no bike, or another bike
	ErrCodeDockFault    = "dock_fault"     // the lock did not open
	ErrCodeDeadline     = "deadline"       // the command arrived after its deadline
	ErrCodeBusy         = "busy"           // the dock is handling another command
	ErrCodeOutOfService = "out_of_service" // the station or dock is out of service
)

// Reply is a station's answer to a command.
type Reply struct {
	RequestID string
	StationID string
	Result    string // ReplyOK or ReplyError
	Error     string // an ErrCode* when Result is ReplyError
	Message   string
	TS        time.Time
}

type wireReply struct {
	V         *int   `json:"v"`
	TS        string `json:"ts"`
	RequestID string `json:"request_id"`
	Station   string `json:"station"`
	Result    string `json:"result"`
	Error     string `json:"error,omitempty"`
	Message   string `json:"message,omitempty"`
}

// DecodeReply parses a reply payload.
func DecodeReply(payload []byte) (Reply, error) {
	if len(payload) > MaxPayload {
		return Reply{}, malformed("reply of %d bytes", len(payload))
	}
	if !utf8.Valid(payload) {
		return Reply{}, malformed("reply is not valid UTF-8")
	}
	var w wireReply
	if err := json.Unmarshal(payload, &w); err != nil {
		return Reply{}, malformed("reply is not a JSON object: %v", err)
	}
	if err := checkVersion(w.V); err != nil {
		return Reply{}, err
	}
	ts, err := parseTS(w.TS)
	if err != nil {
		return Reply{}, err
	}
	if !ValidRequestID(w.RequestID) {
		return Reply{}, malformed("reply without a valid request_id")
	}
	if w.Result != ReplyOK && w.Result != ReplyError {
		return Reply{}, malformed("reply result %q", w.Result)
	}
	if len(w.Error) > MaxCode || len(w.Message) > 500 {
		return Reply{}, malformed("reply field too long")
	}
	if w.Error != "" && !ValidCode(w.Error) {
		return Reply{}, malformed("reply error code %q", w.Error)
	}
	if !validText(w.Message) {
		return Reply{}, malformed("reply message with a control character or invalid UTF-8")
	}
	return Reply{RequestID: w.RequestID, StationID: w.Station, Result: w.Result, Error: w.Error, Message: w.Message, TS: ts}, nil
}

// EncodeReply renders a reply payload (stations and the simulator use it).
func EncodeReply(r Reply) ([]byte, error) {
	v := ProtocolVersion
	return json.Marshal(wireReply{V: &v, TS: r.TS.UTC().Format(time.RFC3339Nano), RequestID: r.RequestID, Station: r.StationID,
		Result: r.Result, Error: r.Error, Message: r.Message})
}

// EncodeStatus renders a status payload (the simulator uses it).
func EncodeStatus(station string, s StatusReport) ([]byte, error) {
	w := wireStatus{TS: s.TS.UTC().Format(time.RFC3339Nano), Station: station, Online: &s.Online, Faults: s.Faults}
	v := ProtocolVersion
	w.V = &v
	docks := make([]wireDock, 0, len(s.Docks))
	for _, d := range s.Docks {
		wd := wireDock{Dock: d.Dock, Locked: &d.Locked, Battery: d.Battery, Fault: d.Fault}
		if d.BikeID != "" {
			b := d.BikeID
			wd.Bike = &b
		}
		docks = append(docks, wd)
	}
	w.Docks = &docks
	return json.Marshal(w)
}

// EncodeEvent renders an event payload (the simulator uses it).
func EncodeEvent(station string, e Event) ([]byte, error) {
	v := ProtocolVersion
	return json.Marshal(wireEvent{V: &v, TS: e.TS.UTC().Format(time.RFC3339Nano), Station: station, EventID: e.ID,
		Event: e.Type, Dock: e.Dock, Bike: e.BikeID, Battery: e.Battery, Fault: e.Fault, Detail: e.Detail})
}
