package mobility

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestDecodeTelemetry(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		kind    Kind
		payload string
		ok      bool
		check   func(t *testing.T, m Telemetry)
	}{
		{"status", KindStatus, `{"v":1,"ts":"2026-11-25T10:00:00+01:00","station":"st-1","online":true,"docks":[{"dock":2,"bike":"bk-9","locked":true,"battery":80},{"dock":1,"bike":null,"locked":false}],"faults":["low_power"],"firmware":"9.9"}`, true,
			func(t *testing.T, m Telemetry) {
				if !m.Status.TS.Equal(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)) || len(m.Status.Docks) != 2 || *m.Status.Docks[0].Battery != 80 || m.Status.Docks[1].BikeID != "" || m.Status.Faults[0] != "low_power" {
					t.Errorf("%+v", m.Status)
				}
			}},
		{"status without station field", KindStatus, `{"v":1,"ts":"2026-11-25T10:00:00Z","docks":[]}`, true, nil},
		{"status of another station", KindStatus, `{"v":1,"ts":"2026-11-25T10:00:00Z","station":"st-2","docks":[]}`, false, nil},
		{"version 2", KindStatus, `{"v":2,"ts":"2026-11-25T10:00:00Z","docks":[]}`, false, nil},
		{"no version", KindStatus, `{"ts":"2026-11-25T10:00:00Z","docks":[]}`, false, nil},
		{"bad ts", KindStatus, `{"v":1,"ts":"25/11/2026","docks":[]}`, false, nil},
		{"duplicate dock", KindStatus, `{"v":1,"ts":"2026-11-25T10:00:00Z","docks":[{"dock":1},{"dock":1}]}`, false, nil},
		{"same bike twice", KindStatus, `{"v":1,"ts":"2026-11-25T10:00:00Z","docks":[{"dock":1,"bike":"b"},{"dock":2,"bike":"b"}]}`, false, nil},
		{"battery 101", KindStatus, `{"v":1,"ts":"2026-11-25T10:00:00Z","docks":[{"dock":1,"bike":"b","battery":101}]}`, false, nil},
		{"not json", KindStatus, `hello`, false, nil},
		{"docked", KindEvents, `{"v":1,"ts":"2026-11-25T10:00:00Z","event":"bike_docked","dock":3,"bike":"bk-1","battery":50}`, true,
			func(t *testing.T, m Telemetry) {
				if m.Event.Type != EventBikeDocked || m.Event.Dock != 3 || m.Event.BikeID != "bk-1" || *m.Event.Battery != 50 {
					t.Errorf("%+v", m.Event)
				}
			}},
		{"docked without bike", KindEvents, `{"v":1,"ts":"2026-11-25T10:00:00Z","event":"bike_docked","dock":3}`, false, nil},
		{"fault", KindEvents, `{"v":1,"ts":"2026-11-25T10:00:00Z","event":"dock_fault","dock":3,"fault":"lock_jammed"}`, true, nil},
		{"tamper", KindEvents, `{"v":1,"ts":"2026-11-25T10:00:00Z","event":"tamper","detail":"door open"}`, true, nil},
		// docs/mqtt.md: event types a hub does not know are ignored (and
		// counted by Ingest), not malformed, so stations can grow.
		{"unknown event", KindEvents, `{"v":1,"ts":"2026-11-25T10:00:00Z","event":"party"}`, true, func(t *testing.T, m Telemetry) {
			if m.Event.Type != "party" {
				t.Errorf("%+v", m.Event)
			}
		}},
		{"event without a type", KindEvents, `{"v":1,"ts":"2026-11-25T10:00:00Z"}`, false, nil},
		// docs/mqtt.md: "docks" is required; a status without it is not an
		// empty station.
		{"status without docks", KindStatus, `{"v":1,"ts":"2026-11-25T10:00:00Z","online":true}`, false, nil},
		{"status with docks null", KindStatus, `{"v":1,"ts":"2026-11-25T10:00:00Z","docks":null}`, false, nil},
		{"status with empty docks", KindStatus, `{"v":1,"ts":"2026-11-25T10:00:00Z","docks":[]}`, true, nil},
		{"online true", KindOnline, `true`, true, func(t *testing.T, m Telemetry) {
			if !m.Online.Online || !m.Online.TS.IsZero() {
				t.Errorf("%+v", m.Online)
			}
		}},
		{"online false with newline", KindOnline, "false\n", true, nil},
		{"online object", KindOnline, `{"v":1,"ts":"2026-11-25T10:00:00Z","online":true}`, true, nil},
		{"online yes", KindOnline, `yes`, false, nil},
		{"online object of its station", KindOnline, `{"v":1,"ts":"2026-11-25T10:00:00Z","station":"st-1","online":true}`, true, nil},
		{"online object of another station", KindOnline, `{"v":1,"ts":"2026-11-25T10:00:00Z","station":"st-2","online":true}`, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := DecodeTelemetry("st-1", tc.kind, []byte(tc.payload), now)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if tc.check != nil && err == nil {
				tc.check(t, m)
			}
		})
	}
}

// A station's clock may run ahead of the hub's by MaxClockSkew; a message
// stamped further ahead is refused, whatever its kind, so that it cannot
// hide the station's later messages.
func TestFutureTimestampRefused(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		kind    Kind
		payload string
		future  bool
	}{
		{"status a minute ahead", KindStatus, `{"v":1,"ts":"2026-11-25T10:01:00Z","docks":[]}`, false},
		{"status three minutes ahead", KindStatus, `{"v":1,"ts":"2026-11-25T10:03:00Z","docks":[]}`, true},
		{"status in 9999", KindStatus, `{"v":1,"ts":"9999-12-31T23:59:59Z","docks":[]}`, true},
		{"event in 9999", KindEvents, `{"v":1,"ts":"9999-12-31T23:59:59Z","event":"tamper"}`, true},
		{"online object in 9999", KindOnline, `{"v":1,"ts":"9999-12-31T23:59:59Z","online":true}`, true},
		{"event in 2000", KindEvents, `{"v":1,"ts":"2000-01-01T00:00:00Z","event":"tamper"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeTelemetry("st-1", tc.kind, []byte(tc.payload), now)
			if got := errors.Is(err, ErrFutureTS); got != tc.future {
				t.Fatalf("err = %v, want future=%v", err, tc.future)
			}
			if tc.future && errors.Is(err, ErrMalformed) {
				t.Error("a future ts is counted as refused, not malformed")
			}
		})
	}
}

// docs/mqtt.md: a request id is 1 to 100 characters of A-Z, a-z, 0-9, '-'
// and '_'; commands and replies with another one are malformed.
func TestRequestIDFormat(t *testing.T) {
	t.Parallel()
	for id, ok := range map[string]bool{"cmd_5w9n3k7f2q8r1t6y4u0p3m2x7c": true, "A-b_9": true, "": false, "a b": false,
		"x/y": false, "è": false, strings.Repeat("a", 100): true, strings.Repeat("a", 101): false} {
		if ValidRequestID(id) != ok {
			t.Errorf("ValidRequestID(%q) = %v", id, !ok)
		}
		p := `{"v":1,"ts":"2026-11-25T10:00:00Z","request_id":` + strconv.Quote(id) + `,"result":"ok"}`
		if _, err := DecodeReply([]byte(p)); (err == nil) != ok {
			t.Errorf("reply with request id %q: %v", id, err)
		}
		c := `{"v":1,"type":"unlock","request_id":` + strconv.Quote(id) + `,"deadline":"2026-11-25T10:00:00Z","reply_to":"x"}`
		if _, err := DecodeCommand([]byte(c)); (err == nil) != ok {
			t.Errorf("command with request id %q: %v", id, err)
		}
	}
}

func TestCommandAndReplyRoundTrip(t *testing.T) {
	t.Parallel()
	dl := time.Now().Add(10 * time.Second).UTC().Truncate(time.Millisecond)
	p, err := EncodeUnlock(UnlockCommand{RequestID: "cmd_1", StationID: "st-1", Dock: 4, BikeID: "bk-1", Deadline: dl, ReplyTo: "cityhub/v1/stations/st-1/replies/h1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := DecodeCommand(p)
	if err != nil || c.RequestID != "cmd_1" || c.Dock != 4 || c.BikeID != "bk-1" || !c.Deadline.Equal(dl) || c.ReplyTo != "cityhub/v1/stations/st-1/replies/h1" {
		t.Fatalf("%+v %v", c, err)
	}
	rp, _ := EncodeReply(Reply{RequestID: "cmd_1", StationID: "st-1", Result: ReplyError, Error: ErrCodeNoBike, TS: time.Now()})
	r, err := DecodeReply(rp)
	if err != nil || r.Result != ReplyError || r.Error != ErrCodeNoBike {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := DecodeReply([]byte(`{"v":1,"ts":"2026-11-25T10:00:00Z","request_id":"x","result":"maybe"}`)); err == nil {
		t.Error("accepted result maybe")
	}
}

// FuzzDecodeTelemetry: any bytes on any topic either decode into a message
// that re-encodes and decodes to the same state, or fail as malformed; never
// a panic.
func FuzzDecodeTelemetry(f *testing.F) {
	f.Add("status", []byte(`{"v":1,"ts":"2026-11-25T10:00:00Z","docks":[{"dock":1,"bike":"bk-1","locked":true,"battery":80}]}`))
	f.Add("status", []byte(`{"v":1,"ts":"2026-11-25T10:00:00.123456789Z","online":false,"docks":[],"faults":["x"]}`))
	f.Add("events", []byte(`{"v":1,"ts":"2026-11-25T10:00:00Z","event":"bike_docked","dock":3,"bike":"bk-1"}`))
	f.Add("events", []byte(`{"v":1,"ts":"2026-11-25T10:00:00Z","event":"dock_fault","dock":3,"fault":"jam"}`))
	f.Add("online", []byte(`false`))
	f.Add("online", []byte(`{"v":1,"ts":"2026-11-25T10:00:00Z","online":true}`))
	f.Add("status", []byte(`{"v":1,"ts":"2026-11-25T10:00:00Z","docks":[{"dock":-1}]}`))
	f.Add("status", []byte(`[1,2,3]`))
	f.Add("nope", []byte(`{}`))
	f.Add("status", []byte(`{"v":1,"ts":"2026-11-25T10:00:00Z","docks":[{"dock":1,"fault":"jam\u0000"}],"faults":["x\u0001"]}`))
	f.Add("events", []byte(`{"v":1,"ts":"2026-11-25T10:00:00Z","event":"tamper","event_id":"e\u0000","detail":"a\u001fb"}`))
	f.Fuzz(func(t *testing.T, kind string, payload []byte) {
		m, err := DecodeTelemetry("st-1", Kind(kind), payload, time.Now())
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrFutureTS) {
				t.Fatalf("error %v is neither ErrMalformed nor ErrFutureTS", err)
			}
			return
		}
		switch {
		case m.Status != nil:
			for _, f := range m.Status.Faults {
				if !ValidCode(f) {
					t.Fatalf("accepted station fault %q", f)
				}
			}
			for _, d := range m.Status.Docks {
				if d.Fault != "" && !ValidCode(d.Fault) {
					t.Fatalf("accepted dock fault %q", d.Fault)
				}
				if d.Dock < 1 || d.Dock > MaxCapacity || (d.BikeID != "" && !ValidID(d.BikeID)) || (d.Battery != nil && (*d.Battery < 0 || *d.Battery > 100)) {
					t.Fatalf("accepted invalid dock %+v", d)
				}
			}
			p, err := EncodeStatus("st-1", *m.Status)
			if err != nil {
				t.Fatal(err)
			}
			again, err := DecodeTelemetry("st-1", KindStatus, p, time.Now())
			if err != nil || !again.Status.TS.Equal(m.Status.TS) || len(again.Status.Docks) != len(m.Status.Docks) {
				t.Fatalf("re-encoded status does not decode the same: %v", err)
			}
		case m.Event != nil:
			if (m.Event.Fault != "" && !ValidCode(m.Event.Fault)) || !storable(m.Event.ID) || !storable(m.Event.Detail) || !storable(m.Event.Type) {
				t.Fatalf("accepted an event field that cannot be stored: %+v", m.Event)
			}
			if m.Event.Type == EventBikeDocked && (!ValidID(m.Event.BikeID) || m.Event.Dock < 1) {
				t.Fatalf("accepted docking without bike or dock: %+v", m.Event)
			}
			p, _ := EncodeEvent("st-1", *m.Event)
			if _, err := DecodeTelemetry("st-1", KindEvents, p, time.Now()); err != nil {
				t.Fatalf("re-encoded event rejected: %v", err)
			}
		case m.Online == nil:
			t.Fatal("decoded into nothing")
		}
	})
}

// storable is what every free-text field the hub keeps must be: valid
// UTF-8 without a control character (PostgreSQL's jsonb refuses a NUL).
func storable(s string) bool {
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

// A NUL in one station's fault code failed every ingest batch on
// PostgreSQL (SQLSTATE 22P05: jsonb refuses \u0000), and with it the other
// stations' statuses and events in the batch. The codec now refuses control
// characters and invalid UTF-8 in every free-text field a station sends
// that the hub stores, and restricts codes to a-z, 0-9, '_', '.', '-'.
func TestControlCharactersRefused(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	const ts = `"v":1,"ts":"2026-11-25T10:00:00Z"`
	for _, bad := range []string{`\u0000`, `\u0001`, `\n`, `\u001f`, `\u007f`, `\u0085`, "\xff"} {
		for _, tc := range []struct {
			name, kind, payload string
		}{
			{"dock fault", "status", `{` + ts + `,"docks":[{"dock":1,"fault":"jam` + bad + `"}]}`},
			{"station fault", "status", `{` + ts + `,"docks":[],"faults":["low_power` + bad + `"]}`},
			{"event fault", "events", `{` + ts + `,"event":"dock_fault","dock":1,"fault":"jam` + bad + `"}`},
			{"event detail", "events", `{` + ts + `,"event":"tamper","detail":"forced` + bad + `lock"}`},
			{"event id", "events", `{` + ts + `,"event":"tamper","event_id":"e-1` + bad + `"}`},
			{"event type", "events", `{` + ts + `,"event":"later` + bad + `"}`},
			{"reply error", "reply", `{` + ts + `,"request_id":"r1","result":"error","error":"no_bike` + bad + `"}`},
			{"reply message", "reply", `{` + ts + `,"request_id":"r1","result":"error","error":"no_bike","message":"dock` + bad + ` empty"}`},
		} {
			var err error
			if tc.kind == "reply" {
				_, err = DecodeReply([]byte(tc.payload))
			} else {
				_, err = DecodeTelemetry("st-1", Kind(tc.kind), []byte(tc.payload), now)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%s with %q: %v, want malformed", tc.name, bad, err)
			}
		}
	}
	// Codes are codes: no spaces, capitals or markup; text fields take any
	// printable text.
	for _, code := range []string{"Lock_Jammed", "lock jammed", "<b>", "é"} {
		if _, err := DecodeTelemetry("st-1", KindStatus, []byte(`{`+ts+`,"docks":[],"faults":["`+code+`"]}`), now); !errors.Is(err, ErrMalformed) {
			t.Errorf("fault code %q: %v, want malformed", code, err)
		}
	}
	for _, ok := range []struct{ kind, payload string }{
		{"status", `{` + ts + `,"docks":[{"dock":1,"fault":"charger_fault.v2-b"}],"faults":["low_power","door-open.1"]}`},
		{"events", `{` + ts + `,"event":"tamper","event_id":"ev:42/é","detail":"forzata la serratura «4»"}`},
		{"reply", `{` + ts + `,"request_id":"r1","result":"error","error":"dock_fault","message":"la serratura non si è aperta"}`},
	} {
		var err error
		if ok.kind == "reply" {
			_, err = DecodeReply([]byte(ok.payload))
		} else {
			_, err = DecodeTelemetry("st-1", Kind(ok.kind), []byte(ok.payload), now)
		}
		if err != nil {
			t.Errorf("%s refused: %v", ok.payload, err)
		}
	}
}

// FuzzDecodeReply: a reply the codec accepts holds only fields the hub can
// store and log: a valid request id, a code for error, printable text.
func FuzzDecodeReply(f *testing.F) {
	f.Add([]byte(`{"v":1,"ts":"2026-11-25T10:00:00Z","request_id":"r1","result":"ok"}`))
	f.Add([]byte(`{"v":1,"ts":"2026-11-25T10:00:00Z","request_id":"r1","result":"error","error":"no_bike","message":"dock 2 is empty"}`))
	f.Add([]byte(`{"v":1,"ts":"2026-11-25T10:00:00Z","request_id":"r1","result":"error","error":"x\u0000","message":"\u0000"}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		r, err := DecodeReply(payload)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if !ValidRequestID(r.RequestID) || (r.Error != "" && !ValidCode(r.Error)) || !storable(r.Message) {
			t.Fatalf("accepted a reply that cannot be stored: %+v", r)
		}
	})
}
