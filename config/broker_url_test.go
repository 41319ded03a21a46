package config

import (
	"io"
	"strings"
	"testing"
)

// A broker URL the client could never connect with is refused at start with
// what is wrong: no port (the client would retry for ever), or a password
// holding /, ? or # unencoded, which cuts the URL so that the "host" is a
// piece of the password; the SMTP URL's password alike. The credit of the
// map tiles must say something.
func TestBrokerAndMailURLsSayWhatIsWrong(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"CITYHUB_MQTT_URL": "tcp://127.0.0.1"}, "port is missing"},
		{map[string]string{"CITYHUB_MQTT_URL": "mqtts://broker.example"}, "port is missing"},
		{map[string]string{"CITYHUB_MQTT_URL": "tcp://hub:pa/ss@broker:1883"}, "percent-encoded"},
		{map[string]string{"CITYHUB_MQTT_URL": "tcp://hub:pa?ss@broker:1883"}, "percent-encoded"},
		{map[string]string{"CITYHUB_SMTP_URL": "smtp://u:p#ss@mail.example:587"}, "percent-encoded"},
		{map[string]string{"CITYHUB_MAP_TILES_ATTRIBUTION": "   "}, "CITYHUB_MAP_TILES_ATTRIBUTION"},
	} {
		_, err := Parse("serve", nil, env(c.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v; want an error saying %q", c.env, err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), "pa/ss") || strings.Contains(err.Error(), "p#ss")) {
			t.Errorf("%v: the error shows the password: %v", c.env, err)
		}
	}
	for _, good := range []string{"tcp://broker:1883", "ws://broker/mqtt", "wss://broker.example/mqtt", "tcp://hub:pa%2Fss@broker:1883"} {
		if _, err := Parse("serve", nil, env(map[string]string{"CITYHUB_MQTT_URL": good}), io.Discard); err != nil {
			t.Errorf("%s refused: %v", good, err)
		}
	}
}
