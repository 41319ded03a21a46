package config

import "flag"

// flagSetting is a setting that a command-line flag gives as well as (or,
// without env, instead of) its environment variable. The table below is
// the one place that pairs them: Parse defines the flags from it, their
// usage names the variable from it, and NameOf finds a setting's flag in
// it, so that no message has to be reworded after the fact.
type flagSetting struct {
	flag  string // the flag's name, without its dash
	env   string // the variable of the same setting; empty for a flag alone
	usage string // what the flag says in -h, before "(CITYHUB_X)"
	bind  func(fs *flag.FlagSet, c *Config, name, usage string)
}

// flagSettings are the settings with a flag, in the order -h lists them.
var flagSettings = []flagSetting{
	{"http-addr", "CITYHUB_HTTP_ADDR", "HTTP listen address", stringFlag(func(c *Config) *string { return &c.HTTPAddr })},
	{"public-url", "CITYHUB_PUBLIC_URL", "URL people and feeds see", stringFlag(func(c *Config) *string { return &c.PublicURL })},
	{"data-dir", "CITYHUB_DATA_DIR", "directory for the embedded SQLite file", stringFlag(func(c *Config) *string { return &c.DataDir })},
	{"database-url", "CITYHUB_DATABASE_URL", "postgres:// URL; empty uses embedded SQLite", stringFlag(func(c *Config) *string { return &c.DatabaseURL })},
	{"mqtt-url", "CITYHUB_MQTT_URL", "broker URL (tcp://, ssl://, mqtt://, mqtts://, ws:// or wss://); empty starts the embedded broker", stringFlag(func(c *Config) *string { return &c.MQTTURL })},
	{"mqtt-broker-addr", "CITYHUB_MQTT_BROKER_ADDR", "embedded broker listen address", stringFlag(func(c *Config) *string { return &c.MQTTBrokerAddr })},
	{"instance-id", "CITYHUB_INSTANCE_ID", "this hub's instance id", stringFlag(func(c *Config) *string { return &c.InstanceID })},
	{"mqtt-topic-root", "CITYHUB_MQTT_TOPIC_ROOT", "MQTT topic root of the station protocol", stringFlag(func(c *Config) *string { return &c.MQTTTopicRoot })},
	{"mqtt-share-group", "CITYHUB_MQTT_SHARE_GROUP", "shared-subscription group of the hub replicas", stringFlag(func(c *Config) *string { return &c.MQTTShareGroup })},
	{"mqtt-broker-auth", "CITYHUB_MQTT_BROKER_AUTH", "who tells an external broker about station credentials: dynsec or none", stringFlag(func(c *Config) *string { return &c.MQTTBrokerAuth })},
	{"simulate-stations", "", "demo: also play simulated stations on the external broker of -mqtt-url (a flag only)", boolFlag(func(c *Config) *bool { return &c.SimulateStations })},
	{"stripe-api-url", "CITYHUB_STRIPE_API_URL", "Stripe API base URL", stringFlag(func(c *Config) *string { return &c.StripeAPIURL })},
	{"test-payments", "CITYHUB_TEST_PAYMENTS", "DEMO ONLY: payments succeed without a card", boolFlag(func(c *Config) *bool { return &c.TestPayments })},
	{"log-level", "CITYHUB_LOG_LEVEL", "debug, info, warn or error", stringFlag(func(c *Config) *string { return &c.LogLevel })},
	{"log-format", "CITYHUB_LOG_FORMAT", "text or json", stringFlag(func(c *Config) *string { return &c.LogFormat })},
}

// stringFlag binds a text flag to the field field returns, its default
// the field's value (the variable's, when one was given).
func stringFlag(field func(*Config) *string) func(*flag.FlagSet, *Config, string, string) {
	return func(fs *flag.FlagSet, c *Config, name, usage string) {
		p := field(c)
		fs.StringVar(p, name, *p, usage)
	}
}

// boolFlag binds a yes/no flag as stringFlag binds a text one.
func boolFlag(field func(*Config) *bool) func(*flag.FlagSet, *Config, string, string) {
	return func(fs *flag.FlagSet, c *Config, name, usage string) {
		p := field(c)
		fs.BoolVar(p, name, *p, usage)
	}
}

// usageText is what -h says of the flag: its words, then the variable of
// the same setting.
func (s flagSetting) usageText() string {
	if s.env == "" {
		return s.usage
	}
	return s.usage + " (" + s.env + ")"
}

// defineFlags defines on fs the flags of flagSettings that the command
// takes, bound to c's fields, and returns the settings by flag name.
func defineFlags(fs *flag.FlagSet, c *Config, takes func(flag string) bool) map[string]flagSetting {
	defined := make(map[string]flagSetting)
	for _, s := range flagSettings {
		if !takes(s.flag) {
			continue
		}
		s.bind(fs, c, s.flag, s.usageText())
		defined[s.flag] = s
	}
	return defined
}

// NameOf is how a message names the setting of the variable env: its flag
// when the command line set it, since the value came from there (a flag
// wins over its variable) and an operator who never set the variable
// would look for it in vain; the variable otherwise.
func (c Config) NameOf(env string) string {
	if f, ok := c.fromFlags[env]; ok {
		return "-" + f
	}
	return env
}
