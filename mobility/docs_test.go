package mobility

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Every JSON example in docs/mqtt.md, the station vendor's page, is a
// message this codec accepts, so a station built from the page works.
func TestProtocolDocExamplesDecode(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../docs/mqtt.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```json\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	kinds := map[string]int{}
	for _, b := range blocks {
		payload := []byte(strings.TrimSpace(b[1]))
		var probe map[string]any
		if err := json.Unmarshal(payload, &probe); err != nil {
			t.Errorf("example is not JSON: %v\n%s", err, payload)
			continue
		}
		station, _ := probe["station"].(string)
		switch {
		case probe["type"] == "unlock":
			cmd, err := DecodeCommand(payload)
			if err != nil {
				t.Errorf("command example: %v", err)
			}
			// Replies live under the asked station's own prefix (issue 9).
			if !regexp.MustCompile(`^cityhub/v1/stations/` + regexp.QuoteMeta(cmd.StationID) + `/replies/[^/+#]+$`).MatchString(cmd.ReplyTo) {
				t.Errorf("command example: reply_to %q is not under its station's prefix cityhub/v1/stations/%s/replies/", cmd.ReplyTo, cmd.StationID)
			}
			kinds["command"]++
		case probe["result"] != nil:
			if _, err := DecodeReply(payload); err != nil {
				t.Errorf("reply example: %v", err)
			}
			kinds["reply"]++
		case probe["event"] != nil:
			if _, err := DecodeTelemetry(station, KindEvents, payload, time.Now()); err != nil {
				t.Errorf("event example: %v\n%s", err, payload)
			}
			kinds[probe["event"].(string)]++
		case probe["docks"] != nil:
			if _, err := DecodeTelemetry(station, KindStatus, payload, time.Now()); err != nil {
				t.Errorf("status example: %v", err)
			}
			kinds["status"]++
		default:
			t.Errorf("example of no known message: %s", payload)
		}
	}
	if _, err := DecodeTelemetry("st-001", KindOnline, []byte("true"), time.Now()); err != nil {
		t.Error(err)
	}
	// Every topic the page names is under a station's prefix: the shared
	// reply topic of before issue 9 is gone.
	for _, m := range regexp.MustCompile("`(cityhub/v1/[^`]*)`").FindAllStringSubmatch(string(doc), -1) {
		if m[1] != "cityhub/v1/" && !strings.HasPrefix(m[1], "cityhub/v1/stations/") { // the root itself: what a hub reads
			t.Errorf("docs/mqtt.md names the topic %s, outside the stations' prefixes", m[1])
		}
	}
	for _, k := range []string{"status", "command", "reply", EventBikeDocked, EventBikeUndocked, EventDockFault, EventTamper} {
		if kinds[k] == 0 {
			t.Errorf("docs/mqtt.md has no example of %s", k)
		}
	}
}
