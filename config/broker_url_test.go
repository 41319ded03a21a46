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

// A password with a blank makes a URL that does not parse: every setting
// that echoes its URL in an error hides the password all the same, and the
// broker's URL says what is wrong with it rather than blaming the scheme.
// A broker port outside 1 to 65535 is refused at start, as
// CITYHUB_HTTP_ADDR's is.
func TestURLSettingsThatDoNotParseHideThePassword(t *testing.T) {
	for _, c := range []struct {
		key, value, want string
	}{
		{"CITYHUB_DATABASE_URL", "mysql://postgres:SEK RIT6@127.0.0.1:5432/htest", "CITYHUB_DATABASE_URL"},
		{"CITYHUB_MQTT_URL", "tcp://u:SEK RIT9@127.0.0.1:1884", "blank"},
		{"CITYHUB_SMTP_URL", "smtp://hub:SEK RIT9@mail.example:587", "CITYHUB_SMTP_URL"},
		{"CITYHUB_PUBLIC_URL", "https://u:SEK RIT9@city.example", "CITYHUB_PUBLIC_URL"},
		{"CITYHUB_STRIPE_API_URL", "https://u:SEK RIT9@api.stripe.com", "CITYHUB_STRIPE_API_URL"},
		{"CITYHUB_OIDC_ISSUER", "https://u:SEK RIT9@idp.example", "CITYHUB_OIDC_ISSUER"},
		{"CITYHUB_MQTT_URL", "tcp://127.0.0.1:99999", "1 to 65535"},
		{"CITYHUB_MQTT_URL", "tcp://127.0.0.1:0", "1 to 65535"},
	} {
		vars := map[string]string{c.key: c.value}
		if c.key == "CITYHUB_OIDC_ISSUER" {
			vars["CITYHUB_OIDC_CLIENT_ID"], vars["CITYHUB_OIDC_CLIENT_SECRET"] = "x", "y"
		}
		_, err := Parse("serve", nil, env(vars), io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%q: %v; want an error saying %q", c.key, c.value, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), "RIT") {
			t.Errorf("%s=%q: the error shows the password: %v", c.key, c.value, err)
		}
	}
}
