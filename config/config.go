// Package config parses flags and CITYHUB_* environment variables into one
// Config, in one place. Nothing else in cityhub reads the environment; the
// Config is passed down explicitly, never kept in a global.
package config

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // any IANA zone resolves, whatever the host has installed
)

// The map tiles of the report pages when CITYHUB_MAP_TILES_URL and
// CITYHUB_MAP_TILES_ATTRIBUTION are unset: OpenStreetMap's, whose tile
// usage policy suits a city's light use; a busier hub sets its own.
const (
	DefaultMapTilesURL         = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
	DefaultMapTilesAttribution = `&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors`
)

// checkTilesURL accepts an http(s) URL template holding {z}, {x} and {y},
// whose host may hold {s} (a server letter) and nothing else templated.
func checkTilesURL(raw string) error {
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(raw, p) {
			return fmt.Errorf("%q: want a URL template with {z}, {x} and {y}", raw)
		}
	}
	u, err := url.Parse(strings.ReplaceAll(raw, "{s}", "a"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(u.Host, "{} '\";") || u.User != nil {
		return fmt.Errorf("%q: want an http(s) URL template such as %s", raw, DefaultMapTilesURL)
	}
	return nil
}

// DefaultTimeZone is the city's time zone when CITYHUB_TIMEZONE is unset.
const DefaultTimeZone = "Europe/Rome"

// Config is everything cityhub can be told at start.
type Config struct {
	HTTPAddr  string // CITYHUB_HTTP_ADDR; ":0" picks a free port
	PublicURL string // CITYHUB_PUBLIC_URL; derived from the listen address when empty
	DataDir   string // CITYHUB_DATA_DIR: the embedded SQLite file and other local state

	DatabaseURL string // CITYHUB_DATABASE_URL; empty means the embedded SQLite file

	MQTTURL        string // CITYHUB_MQTT_URL; empty starts the embedded broker
	MQTTBrokerAddr string // CITYHUB_MQTT_BROKER_ADDR: where the embedded broker listens
	MQTTUsername   string // CITYHUB_MQTT_USERNAME
	MQTTPassword   string // CITYHUB_MQTT_PASSWORD (secret)
	InstanceID     string // CITYHUB_INSTANCE_ID: names this hub's MQTT client and reply topic; random when empty
	// MQTTTopicRoot (CITYHUB_MQTT_TOPIC_ROOT) and MQTTShareGroup
	// (CITYHUB_MQTT_SHARE_GROUP) let several cities, or test runs, share one
	// broker without seeing each other's stations.
	MQTTTopicRoot  string
	MQTTShareGroup string
	// MQTTBrokerAuth (CITYHUB_MQTT_BROKER_AUTH) says who tells an external
	// broker about station credentials: "dynsec", the hub drives Mosquitto's
	// dynamic-security plugin with its own account (which must hold the
	// plugin's admin role); "none", the broker's own configuration decides
	// (development only, or a broker that asks the hub some other way). The
	// embedded broker always checks the hub's store.
	MQTTBrokerAuth string
	// SimulateStations (the demo's -simulate-stations flag) lets the demo
	// play its simulated stations on an external broker too; without it the
	// demo simulates only on its own embedded broker.
	SimulateStations bool

	StripeSecretKey      string // CITYHUB_STRIPE_SECRET_KEY (secret)
	StripeWebhookSecret  string // CITYHUB_STRIPE_WEBHOOK_SECRET (secret)
	StripePublishableKey string // CITYHUB_STRIPE_PUBLISHABLE_KEY
	StripeAPIURL         string // CITYHUB_STRIPE_API_URL: another Stripe API base (stripe-mock in tests)
	// StripeWebhookTolerance (CITYHUB_STRIPE_WEBHOOK_TOLERANCE, default 5m)
	// is how far a webhook's signed timestamp may be from the hub's clock,
	// in the past or the future.
	StripeWebhookTolerance time.Duration
	TestPayments           bool // CITYHUB_TEST_PAYMENTS: demo only, payments succeed without a card

	// SigningKeys is an optional PEM bundle of Ed25519 private keys
	// (CITYHUB_SIGNING_KEYS); when empty, keys are generated on first start and
	// kept in the database.
	SigningKeys string
	// KeyEncryptionKeys (CITYHUB_KEY_ENCRYPTION_KEY: base64 of 32 random
	// bytes; to change it, the new key, a comma, then the old one) encrypt
	// the signing keys kept in the database. The first encrypts; the others
	// only decrypt, and keys they encrypted are encrypted again with the
	// first at start.
	KeyEncryptionKeys [][]byte
	AccessTokenTTL    time.Duration // CITYHUB_ACCESS_TOKEN_TTL, default 15m
	RefreshTokenTTL   time.Duration // CITYHUB_REFRESH_TOKEN_TTL, default 30 days

	// TrustedProxies (CITYHUB_TRUSTED_PROXIES: comma-separated addresses or
	// CIDR prefixes) are the load balancers whose X-Forwarded-For is believed
	// for rate limits and the audit log. Empty: the header is ignored.
	TrustedProxies []netip.Prefix

	// LoginWindow (CITYHUB_LOGIN_WINDOW) and the login limits bound failed
	// logins within the window: per email address and network
	// (CITYHUB_LOGIN_LIMIT_ACCOUNT_IP), per email address from networks its
	// account never logged in from (CITYHUB_LOGIN_LIMIT_ACCOUNT), and per
	// network on accounts it is not known for (CITYHUB_LOGIN_LIMIT_IP).
	LoginWindow         time.Duration
	LoginLimitAccountIP int
	LoginLimitAccount   int
	LoginLimitIP        int
	// SignupLimitIP (CITYHUB_SIGNUP_LIMIT_IP, default 20) bounds sign-ups
	// from one network per hour; MailLimitAddress
	// (CITYHUB_MAIL_LIMIT_ADDRESS, default 5) the account e-mails
	// (verification, reset, change of address) asked for one address per
	// hour, beyond which requests get the usual answer and send nothing;
	// MailLimitIP (CITYHUB_MAIL_LIMIT_IP, default 30) those asked from one
	// network per hour, beyond which they are refused (429).
	SignupLimitIP    int
	MailLimitAddress int
	MailLimitIP      int
	// UnverifiedAccountTTL (CITYHUB_UNVERIFIED_ACCOUNT_TTL, default 168h)
	// is how long an account whose address was never verified is kept
	// before it is erased; 0 keeps them.
	UnverifiedAccountTTL time.Duration

	// SMTPURL (CITYHUB_SMTP_URL, secret: it may carry a password) is where
	// e-mail leaves: smtp://user:pass@host:587 (STARTTLS required;
	// ?tls=opportunistic or ?tls=none for a local relay) or smtps://...:465.
	// Empty: e-mails stay in the outbox, where administrators read them.
	SMTPURL string
	// MailFrom (CITYHUB_MAIL_FROM) is the sender of every e-mail, e.g.
	// "Comune di Benevento <noreply@comune.benevento.it>"; needed with SMTPURL.
	MailFrom string
	// MailMaxAttempts (CITYHUB_MAIL_MAX_ATTEMPTS, default 8) is how many
	// deliveries an e-mail gets, with backoff from 30s to 1h, before it is
	// kept as failed for an administrator to retry.
	MailMaxAttempts int
	// SMTPTimeout (CITYHUB_SMTP_TIMEOUT, default 15s) bounds connecting to
	// the SMTP server and each exchange with it.
	SMTPTimeout time.Duration
	// VoucherReminderDays (CITYHUB_VOUCHER_REMINDER_DAYS, default 3) is how
	// many days before a voucher with value left expires its holder gets
	// an e-mail; 0 sends none.
	VoucherReminderDays int

	// ReportReopenPeriod (CITYHUB_REPORT_REOPEN_PERIOD, default 720h) is how
	// long after a report is fixed its reporter may reopen it.
	ReportReopenPeriod time.Duration
	// ProposalSupportThreshold (CITYHUB_PROPOSAL_SUPPORT_THRESHOLD, default
	// 100) is how many supports oblige the city to answer a proposal
	// publicly, unless an administrator sets another for a proposal.
	ProposalSupportThreshold int
	// PhotoMaxBytes (CITYHUB_PHOTO_MAX_BYTES, default 8 MiB) and
	// PhotoMaxPixels (CITYHUB_PHOTO_MAX_PIXELS, default 40 million) bound a
	// photo people upload (at most 50 million pixels); the pixels, and the
	// memory they take decoded, are checked before decoding.
	PhotoMaxBytes  int
	PhotoMaxPixels int
	// MapTilesURL (CITYHUB_MAP_TILES_URL) is the map tiles the report
	// pages and the bike stations map show, a URL template with {z}, {x} and {y} ({s} for a server
	// letter), OpenStreetMap's by default; the pages' Content-Security-
	// Policy allows images from its host. MapTilesAttribution
	// (CITYHUB_MAP_TILES_ATTRIBUTION) is the credit the tiles' licence
	// asks for, shown on the map (HTML, as the tile provider gives it).
	MapTilesURL         string
	MapTilesAttribution string
	// ParticipationCatalogue (CITYHUB_PARTICIPATION_CATALOGUE) is the path
	// of a JSON file with the city's offices, report categories, contrade
	// and bounding box (format in docs/participation.md); empty keeps the
	// built-in catalogue (Benevento's). It is read and validated at start:
	// a missing, malformed or inconsistent file stops the start.
	ParticipationCatalogue string

	// The city's SPID/CIE gateway, an OpenID Connect provider (package
	// oidclogin). Empty OIDCIssuer: no SPID/CIE login.
	OIDCIssuer   string // CITYHUB_OIDC_ISSUER
	OIDCClientID string // CITYHUB_OIDC_CLIENT_ID
	// OIDCClientSecret (CITYHUB_OIDC_CLIENT_SECRET, secret) authenticates
	// the hub at the provider, unless OIDCPrivateKeyFile is set.
	OIDCClientSecret string
	// OIDCPrivateKeyFile (CITYHUB_OIDC_PRIVATE_KEY_FILE) is a PEM RSA or
	// P-256 key for private_key_jwt, as the Italian federation asks.
	OIDCPrivateKeyFile string
	// OIDCScopes (CITYHUB_OIDC_SCOPES, comma or space separated; default
	// openid, profile, email).
	OIDCScopes []string
	// OIDCLabel (CITYHUB_OIDC_LABEL, default "SPID / CIE") names the
	// login button.
	OIDCLabel string
	// The claims that carry the person's data (CITYHUB_OIDC_CLAIM_*).
	OIDCClaimFiscalCode string
	OIDCClaimGivenName  string
	OIDCClaimFamilyName string
	OIDCClaimEmail      string

	LogLevel  string // CITYHUB_LOG_LEVEL: debug, info, warn, error
	LogFormat string // CITYHUB_LOG_FORMAT: text or json

	ShutdownTimeout time.Duration // CITYHUB_SHUTDOWN_TIMEOUT: how long in-flight requests may finish

	// TimeZone (CITYHUB_TIMEZONE, an IANA name, default Europe/Rome) is
	// where the city is: the calendar of voucher campaigns and shops' days,
	// performance times, the times in e-mails and on pages, and the GBFS
	// system_information timezone. Never nil after Default or Parse.
	TimeZone *time.Location

	// City is the municipality's name, coat of arms and contacts
	// (CITYHUB_CITY_*); see city.go.
	City City

	// TLS: HTTPS served by the hub itself (CITYHUB_TLS_*, CITYHUB_ACME_*,
	// CITYHUB_HTTPS_ADDR); see tls.go.
	TLS TLS

	// Demo seeds demo data on first start (set by the demo subcommand).
	Demo bool
}

// Default returns the configuration cityhub runs with when told nothing.
func Default() Config {
	return Config{
		HTTPAddr:        "127.0.0.1:8080",
		DataDir:         "./data",
		MQTTBrokerAddr:  "127.0.0.1:1883",
		MQTTTopicRoot:   "cityhub/v1",
		MQTTShareGroup:  "cityhub",
		MQTTBrokerAuth:  "none",
		AccessTokenTTL:  15 * time.Minute,
		RefreshTokenTTL: 30 * 24 * time.Hour,
		LogLevel:        "info",
		LogFormat:       "text",
		ShutdownTimeout: 20 * time.Second,
		TimeZone:        mustZone(DefaultTimeZone),

		StripeWebhookTolerance: 5 * time.Minute,

		LoginWindow:         15 * time.Minute,
		LoginLimitAccountIP: 5,
		LoginLimitAccount:   10,
		LoginLimitIP:        100,
		SignupLimitIP:       20,
		MailLimitAddress:    5,
		MailLimitIP:         30,

		UnverifiedAccountTTL: 7 * 24 * time.Hour,

		MailMaxAttempts: 8,
		SMTPTimeout:     15 * time.Second,

		VoucherReminderDays: 3,

		TLS:  defaultTLS(),
		City: defaultCity(),

		ReportReopenPeriod:       30 * 24 * time.Hour,
		ProposalSupportThreshold: 100,
		PhotoMaxBytes:            8 << 20,
		PhotoMaxPixels:           40_000_000,
		MapTilesURL:              DefaultMapTilesURL,
		MapTilesAttribution:      DefaultMapTilesAttribution,

		OIDCScopes:          []string{"openid", "profile", "email"},
		OIDCLabel:           "SPID / CIE",
		OIDCClaimFiscalCode: "https://attributes.eid.gov.it/fiscal_number",
		OIDCClaimGivenName:  "given_name",
		OIDCClaimFamilyName: "family_name",
		OIDCClaimEmail:      "email",
	}
}

// Parse reads args (without the program and subcommand name) and the
// environment through getenv. Flags win over environment variables.
func Parse(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	c := Default()
	env := func(key string, dst *string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	env("CITYHUB_HTTP_ADDR", &c.HTTPAddr)
	env("CITYHUB_PUBLIC_URL", &c.PublicURL)
	env("CITYHUB_DATA_DIR", &c.DataDir)
	env("CITYHUB_DATABASE_URL", &c.DatabaseURL)
	env("CITYHUB_MQTT_URL", &c.MQTTURL)
	env("CITYHUB_MQTT_BROKER_ADDR", &c.MQTTBrokerAddr)
	env("CITYHUB_MQTT_USERNAME", &c.MQTTUsername)
	env("CITYHUB_MQTT_PASSWORD", &c.MQTTPassword)
	env("CITYHUB_INSTANCE_ID", &c.InstanceID)
	env("CITYHUB_MQTT_TOPIC_ROOT", &c.MQTTTopicRoot)
	env("CITYHUB_MQTT_SHARE_GROUP", &c.MQTTShareGroup)
	env("CITYHUB_MQTT_BROKER_AUTH", &c.MQTTBrokerAuth)
	env("CITYHUB_STRIPE_SECRET_KEY", &c.StripeSecretKey)
	env("CITYHUB_STRIPE_WEBHOOK_SECRET", &c.StripeWebhookSecret)
	env("CITYHUB_STRIPE_PUBLISHABLE_KEY", &c.StripePublishableKey)
	env("CITYHUB_STRIPE_API_URL", &c.StripeAPIURL)
	env("CITYHUB_SIGNING_KEYS", &c.SigningKeys)
	env("CITYHUB_SMTP_URL", &c.SMTPURL)
	env("CITYHUB_MAIL_FROM", &c.MailFrom)
	env("CITYHUB_OIDC_ISSUER", &c.OIDCIssuer)
	env("CITYHUB_OIDC_CLIENT_ID", &c.OIDCClientID)
	env("CITYHUB_OIDC_CLIENT_SECRET", &c.OIDCClientSecret)
	env("CITYHUB_OIDC_PRIVATE_KEY_FILE", &c.OIDCPrivateKeyFile)
	env("CITYHUB_OIDC_LABEL", &c.OIDCLabel)
	env("CITYHUB_OIDC_CLAIM_FISCAL_CODE", &c.OIDCClaimFiscalCode)
	env("CITYHUB_OIDC_CLAIM_GIVEN_NAME", &c.OIDCClaimGivenName)
	env("CITYHUB_OIDC_CLAIM_FAMILY_NAME", &c.OIDCClaimFamilyName)
	env("CITYHUB_OIDC_CLAIM_EMAIL", &c.OIDCClaimEmail)
	if v := getenv("CITYHUB_OIDC_SCOPES"); v != "" {
		c.OIDCScopes = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
	}
	env("CITYHUB_LOG_LEVEL", &c.LogLevel)
	env("CITYHUB_LOG_FORMAT", &c.LogFormat)
	c.TLS.parse(getenv)
	c.City.parse(getenv)
	var errs []error
	envBool := func(key string, dst *bool) {
		if v := getenv(key); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a boolean", key, v))
				return
			}
			*dst = b
		}
	}
	envDur := func(key string, dst *time.Duration) {
		if v := getenv(key); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a duration", key, v))
				return
			}
			*dst = d
		}
	}
	// envCount reads a whole number where 0 means "none".
	envCount := func(key string, dst *int) {
		if v := getenv(key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("%s: %q is not a whole number", key, v))
				return
			}
			*dst = n
		}
	}
	envInt := func(key string, dst *int) {
		if v := getenv(key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				errs = append(errs, fmt.Errorf("%s: %q is not a positive whole number", key, v))
				return
			}
			*dst = n
		}
	}
	envBool("CITYHUB_TEST_PAYMENTS", &c.TestPayments)
	envInt("CITYHUB_LOGIN_LIMIT_ACCOUNT_IP", &c.LoginLimitAccountIP)
	envInt("CITYHUB_LOGIN_LIMIT_ACCOUNT", &c.LoginLimitAccount)
	envInt("CITYHUB_LOGIN_LIMIT_IP", &c.LoginLimitIP)
	envInt("CITYHUB_SIGNUP_LIMIT_IP", &c.SignupLimitIP)
	envInt("CITYHUB_MAIL_LIMIT_ADDRESS", &c.MailLimitAddress)
	envInt("CITYHUB_MAIL_LIMIT_IP", &c.MailLimitIP)
	envDur("CITYHUB_UNVERIFIED_ACCOUNT_TTL", &c.UnverifiedAccountTTL)
	envDur("CITYHUB_LOGIN_WINDOW", &c.LoginWindow)
	if v := getenv("CITYHUB_KEY_ENCRYPTION_KEY"); v != "" {
		keys, err := parseKEKs(v)
		if err != nil {
			errs = append(errs, err)
		}
		c.KeyEncryptionKeys = keys
	}
	if v := getenv("CITYHUB_TRUSTED_PROXIES"); v != "" {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			p, err := netip.ParsePrefix(part)
			if err != nil {
				a, aerr := netip.ParseAddr(part)
				if aerr != nil {
					errs = append(errs, fmt.Errorf("CITYHUB_TRUSTED_PROXIES: %q is not an address or CIDR prefix", part))
					continue
				}
				p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
			c.TrustedProxies = append(c.TrustedProxies, p.Masked())
		}
	}
	envDur("CITYHUB_ACCESS_TOKEN_TTL", &c.AccessTokenTTL)
	envDur("CITYHUB_REFRESH_TOKEN_TTL", &c.RefreshTokenTTL)
	envDur("CITYHUB_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout)
	envDur("CITYHUB_STRIPE_WEBHOOK_TOLERANCE", &c.StripeWebhookTolerance)
	envDur("CITYHUB_SMTP_TIMEOUT", &c.SMTPTimeout)
	if v := getenv("CITYHUB_TIMEZONE"); v != "" {
		loc, err := loadZone(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("CITYHUB_TIMEZONE: %w", err))
		}
		c.TimeZone = loc
	}
	envDur("CITYHUB_REPORT_REOPEN_PERIOD", &c.ReportReopenPeriod)
	envInt("CITYHUB_MAIL_MAX_ATTEMPTS", &c.MailMaxAttempts)
	envCount("CITYHUB_VOUCHER_REMINDER_DAYS", &c.VoucherReminderDays)
	envInt("CITYHUB_PROPOSAL_SUPPORT_THRESHOLD", &c.ProposalSupportThreshold)
	envInt("CITYHUB_PHOTO_MAX_BYTES", &c.PhotoMaxBytes)
	env("CITYHUB_MAP_TILES_URL", &c.MapTilesURL)
	env("CITYHUB_MAP_TILES_ATTRIBUTION", &c.MapTilesAttribution)
	envInt("CITYHUB_PHOTO_MAX_PIXELS", &c.PhotoMaxPixels)
	env("CITYHUB_PARTICIPATION_CATALOGUE", &c.ParticipationCatalogue)
	if err := errors.Join(errs...); err != nil {
		return c, err
	}

	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.HTTPAddr, "http-addr", c.HTTPAddr, "HTTP listen address (CITYHUB_HTTP_ADDR)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "URL people and feeds see (CITYHUB_PUBLIC_URL)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the embedded SQLite file (CITYHUB_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "postgres:// URL; empty uses embedded SQLite (CITYHUB_DATABASE_URL)")
	fs.StringVar(&c.MQTTURL, "mqtt-url", c.MQTTURL, "tcp:// or ssl:// broker URL; empty starts the embedded broker (CITYHUB_MQTT_URL)")
	fs.StringVar(&c.MQTTBrokerAddr, "mqtt-broker-addr", c.MQTTBrokerAddr, "embedded broker listen address (CITYHUB_MQTT_BROKER_ADDR)")
	fs.StringVar(&c.InstanceID, "instance-id", c.InstanceID, "this hub's instance id (CITYHUB_INSTANCE_ID)")
	fs.StringVar(&c.MQTTTopicRoot, "mqtt-topic-root", c.MQTTTopicRoot, "MQTT topic root of the station protocol (CITYHUB_MQTT_TOPIC_ROOT)")
	fs.StringVar(&c.MQTTShareGroup, "mqtt-share-group", c.MQTTShareGroup, "shared-subscription group of the hub replicas (CITYHUB_MQTT_SHARE_GROUP)")
	fs.StringVar(&c.MQTTBrokerAuth, "mqtt-broker-auth", c.MQTTBrokerAuth, "who tells an external broker about station credentials: dynsec or none (CITYHUB_MQTT_BROKER_AUTH)")
	fs.BoolVar(&c.SimulateStations, "simulate-stations", c.SimulateStations, "demo: also play simulated stations on an external broker (CITYHUB_MQTT_URL)")
	fs.StringVar(&c.StripeAPIURL, "stripe-api-url", c.StripeAPIURL, "Stripe API base URL (CITYHUB_STRIPE_API_URL)")
	fs.BoolVar(&c.TestPayments, "test-payments", c.TestPayments, "DEMO ONLY: payments succeed without a card (CITYHUB_TEST_PAYMENTS)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (CITYHUB_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json (CITYHUB_LOG_FORMAT)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	c.moveMQTTCredentials()
	return c, c.Validate()
}

// moveMQTTCredentials takes a user and password written into the broker URL
// (tcp://user:pass@host:1883) out of it, into MQTTUsername and MQTTPassword
// unless those are set, so that the URL itself holds no secret wherever it
// is logged.
func (c *Config) moveMQTTCredentials() {
	u, err := url.Parse(c.MQTTURL)
	if err != nil || u.User == nil {
		return
	}
	if c.MQTTUsername == "" {
		c.MQTTUsername = u.User.Username()
	}
	if pw, ok := u.User.Password(); ok && c.MQTTPassword == "" {
		c.MQTTPassword = pw
	}
	u.User = nil
	c.MQTTURL = u.String()
}

// Validate reports configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("http address %q: %w", c.HTTPAddr, err))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, fmt.Errorf("database url must start with postgres:// (leave it empty for the embedded SQLite file)"))
	}
	if c.MQTTURL != "" {
		u, err := url.Parse(c.MQTTURL)
		if err != nil || (u.Scheme != "tcp" && u.Scheme != "ssl" && u.Scheme != "mqtt" && u.Scheme != "mqtts" && u.Scheme != "ws" && u.Scheme != "wss") {
			errs = append(errs, fmt.Errorf("mqtt url %q: want tcp://host:port or ssl://host:port", Redact(c.MQTTURL)))
		}
	}
	if !validTopicPart(c.MQTTTopicRoot, true) {
		errs = append(errs, fmt.Errorf("mqtt topic root %q: want levels of letters, digits, - and _ separated by /", c.MQTTTopicRoot))
	}
	if c.MQTTBrokerAuth != "dynsec" && c.MQTTBrokerAuth != "none" {
		errs = append(errs, fmt.Errorf("mqtt broker auth %q: want dynsec or none", c.MQTTBrokerAuth))
	}
	if c.MQTTBrokerAuth == "dynsec" && c.MQTTURL != "" && c.MQTTUsername == "" {
		errs = append(errs, fmt.Errorf("mqtt broker auth dynsec needs the hub's broker account (CITYHUB_MQTT_USERNAME, CITYHUB_MQTT_PASSWORD)"))
	}
	if !validTopicPart(c.MQTTShareGroup, false) {
		errs = append(errs, fmt.Errorf("mqtt share group %q: want letters, digits, - and _", c.MQTTShareGroup))
	}
	if c.StripeWebhookTolerance <= 0 || c.StripeWebhookTolerance > time.Hour {
		errs = append(errs, fmt.Errorf("stripe webhook tolerance %s: must be between 0 and 1h", c.StripeWebhookTolerance))
	}
	if c.AccessTokenTTL <= 0 || c.AccessTokenTTL > time.Hour {
		errs = append(errs, fmt.Errorf("access token ttl %s: must be between 0 and 1h", c.AccessTokenTTL))
	}
	if c.LoginWindow <= 0 {
		errs = append(errs, fmt.Errorf("login window must be positive"))
	}
	if c.RefreshTokenTTL <= 0 {
		errs = append(errs, fmt.Errorf("refresh token ttl must be positive"))
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			errs = append(errs, fmt.Errorf("smtp url %s: want smtp://user:pass@host:587 or smtps://user:pass@host:465", Redact(c.SMTPURL)))
		}
		if a, err := mail.ParseAddress(c.MailFrom); err != nil || a.Address == "" {
			errs = append(errs, fmt.Errorf("mail from %q: set CITYHUB_MAIL_FROM to the sender, e.g. \"Comune di Benevento <noreply@comune.example>\"", c.MailFrom))
		}
	}
	if c.MailMaxAttempts < 1 || c.MailMaxAttempts > 50 {
		errs = append(errs, fmt.Errorf("mail max attempts %d: must be 1 to 50", c.MailMaxAttempts))
	}
	if c.UnverifiedAccountTTL != 0 && c.UnverifiedAccountTTL < 48*time.Hour {
		errs = append(errs, fmt.Errorf("unverified account ttl %s: 0 (keep them) or at least 48h, the life of a verification link", c.UnverifiedAccountTTL))
	}
	if c.VoucherReminderDays < 0 || c.VoucherReminderDays > 365 {
		errs = append(errs, fmt.Errorf("voucher reminder days %d: must be 0 (none) to 365", c.VoucherReminderDays))
	}
	if c.ReportReopenPeriod < time.Hour || c.ReportReopenPeriod > 366*24*time.Hour {
		errs = append(errs, fmt.Errorf("report reopen period %s: must be 1h to 366 days", c.ReportReopenPeriod))
	}
	if c.ProposalSupportThreshold < 1 || c.ProposalSupportThreshold > 1_000_000 {
		errs = append(errs, fmt.Errorf("proposal support threshold %d: must be 1 to 1000000", c.ProposalSupportThreshold))
	}
	if c.PhotoMaxBytes < 64<<10 || c.PhotoMaxBytes > 64<<20 {
		errs = append(errs, fmt.Errorf("photo max bytes %d: must be 64 KiB to 64 MiB", c.PhotoMaxBytes))
	}
	// 50 million: beyond it even an 8-bit photo decodes to more than the
	// photo package's memory budget for one decode.
	if c.PhotoMaxPixels < 1_000_000 || c.PhotoMaxPixels > 50_000_000 {
		errs = append(errs, fmt.Errorf("photo max pixels %d: must be 1 to 50 million", c.PhotoMaxPixels))
	}
	if err := checkTilesURL(c.MapTilesURL); err != nil {
		errs = append(errs, fmt.Errorf("CITYHUB_MAP_TILES_URL: %w", err))
	}
	if c.MapTilesAttribution == "" {
		errs = append(errs, fmt.Errorf("CITYHUB_MAP_TILES_ATTRIBUTION: the tiles' credit is needed"))
	}
	if c.SMTPTimeout <= 0 || c.SMTPTimeout > 5*time.Minute {
		errs = append(errs, fmt.Errorf("smtp timeout %s: must be between 0 and 5m", c.SMTPTimeout))
	}
	errs = append(errs, c.validateOIDC()...)
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("public url %q: want an absolute URL", Redact(c.PublicURL)))
		}
	}
	if c.TimeZone == nil {
		errs = append(errs, fmt.Errorf("time zone: not set (CITYHUB_TIMEZONE, e.g. %s)", DefaultTimeZone))
	}
	if err := c.TLS.validate(c.PublicURL); err != nil {
		errs = append(errs, err)
	}
	if err := c.City.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// loadZone loads an IANA time zone by name. "Local" and the empty name
// are refused: they would make the city's calendar depend on the host.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q is not an IANA time zone name such as %s", name, DefaultTimeZone)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: want an IANA name such as %s", name, DefaultTimeZone)
	}
	return loc, nil
}

// mustZone loads a zone known to exist (time/tzdata is embedded).
func mustZone(name string) *time.Location {
	loc, err := loadZone(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// validateOIDC checks the SPID/CIE settings, all or nothing: an issuer
// needs a client id and one way to authenticate the client.
func (c Config) validateOIDC() []error {
	if c.OIDCIssuer == "" {
		if c.OIDCClientID != "" || c.OIDCClientSecret != "" || c.OIDCPrivateKeyFile != "" {
			return []error{fmt.Errorf("oidc: CITYHUB_OIDC_ISSUER is needed with the other CITYHUB_OIDC_ settings")}
		}
		return nil
	}
	var errs []error
	u, err := url.Parse(c.OIDCIssuer)
	local := err == nil && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1" || u.Hostname() == "::1")
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || !(u.Scheme == "https" || u.Scheme == "http" && local) {
		errs = append(errs, fmt.Errorf("oidc issuer %q: want an https URL (http only on localhost)", Redact(c.OIDCIssuer)))
	}
	if c.OIDCClientID == "" {
		errs = append(errs, fmt.Errorf("oidc: CITYHUB_OIDC_CLIENT_ID is needed with an issuer"))
	}
	switch {
	case c.OIDCClientSecret == "" && c.OIDCPrivateKeyFile == "":
		errs = append(errs, fmt.Errorf("oidc: set CITYHUB_OIDC_CLIENT_SECRET or CITYHUB_OIDC_PRIVATE_KEY_FILE"))
	case c.OIDCClientSecret != "" && c.OIDCPrivateKeyFile != "":
		errs = append(errs, fmt.Errorf("oidc: set CITYHUB_OIDC_CLIENT_SECRET or CITYHUB_OIDC_PRIVATE_KEY_FILE, not both"))
	case c.OIDCPrivateKeyFile != "":
		if _, err := os.Stat(c.OIDCPrivateKeyFile); err != nil {
			errs = append(errs, fmt.Errorf("oidc private key file: %w", err))
		}
	}
	if !slices.Contains(c.OIDCScopes, "openid") {
		errs = append(errs, fmt.Errorf("oidc scopes %q: openid is required", strings.Join(c.OIDCScopes, " ")))
	}
	if c.OIDCClaimFiscalCode == "" || c.OIDCLabel == "" {
		errs = append(errs, fmt.Errorf("oidc: the fiscal code claim and the label cannot be empty"))
	}
	return errs
}

// validTopicPart refuses MQTT wildcards, empty levels and odd characters,
// which would subscribe the hub to more than its own stations.
func validTopicPart(s string, slashes bool) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, level := range strings.Split(s, "/") {
		if level == "" || (!slashes && level != s) {
			return false
		}
		for _, r := range level {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
				return false
			}
		}
	}
	return true
}

// Summary lists the configuration for the start-up log. Secrets show only
// whether they are set, and every URL goes through Redact.
func (c Config) Summary() []any {
	db := "embedded sqlite in " + c.DataDir
	if c.DatabaseURL != "" {
		db = Redact(c.DatabaseURL)
	}
	smtp := "(unset: e-mails stay in the outbox)"
	if c.SMTPURL != "" {
		smtp = Redact(c.SMTPURL)
	}
	broker := "embedded broker on " + c.MQTTBrokerAddr
	if c.MQTTURL != "" {
		broker = Redact(c.MQTTURL)
	}
	kek := "(unset)"
	if len(c.KeyEncryptionKeys) > 0 {
		kek = fmt.Sprintf("(set, %d)", len(c.KeyEncryptionKeys))
	}
	return []any{
		"http_addr", c.HTTPAddr, "public_url", Redact(c.PublicURL), "database", db, "mqtt", broker,
		"mqtt_username", c.MQTTUsername, "mqtt_password", secretState(c.MQTTPassword),
		"instance_id", c.InstanceID, "mqtt_topic_root", c.MQTTTopicRoot, "mqtt_share_group", c.MQTTShareGroup, "mqtt_broker_auth", c.MQTTBrokerAuth,
		"stripe_secret_key", secretState(c.StripeSecretKey), "stripe_webhook_secret", secretState(c.StripeWebhookSecret),
		"stripe_api_url", Redact(c.StripeAPIURL), "stripe_webhook_tolerance", c.StripeWebhookTolerance.String(), "test_payments", c.TestPayments,
		"signing_keys", secretState(c.SigningKeys), "key_encryption_key", kek,
		"trusted_proxies", fmt.Sprint(c.TrustedProxies), "access_token_ttl", c.AccessTokenTTL.String(),
		"login_limits", fmt.Sprintf("%d per account and address, %d per account from new addresses, %d per address, in %s",
			c.LoginLimitAccountIP, c.LoginLimitAccount, c.LoginLimitIP, c.LoginWindow),
		"signup_and_mail_limits", fmt.Sprintf("%d sign-ups per address, %d account e-mails per e-mail address, %d per address, per hour",
			c.SignupLimitIP, c.MailLimitAddress, c.MailLimitIP),
		"unverified_account_ttl", c.UnverifiedAccountTTL.String(), "voucher_reminder_days", c.VoucherReminderDays,
		"demo", c.Demo, "timezone", c.TimeZone.String(),
		"smtp", smtp, "mail_from", c.MailFrom, "mail_max_attempts", c.MailMaxAttempts,
		"tls", c.TLS.summary(), "city", c.City.summary(),
		"report_reopen_period", c.ReportReopenPeriod.String(), "proposal_support_threshold", c.ProposalSupportThreshold,
		"photo_max_bytes", c.PhotoMaxBytes, "photo_max_pixels", c.PhotoMaxPixels, "map_tiles_url", c.MapTilesURL,
		"participation_catalogue", catalogueSummary(c.ParticipationCatalogue),
		"oidc_issuer", Redact(c.OIDCIssuer), "oidc_client_id", c.OIDCClientID, "oidc_client_secret", secretState(c.OIDCClientSecret),
		"oidc_private_key_file", c.OIDCPrivateKeyFile, "oidc_scopes", strings.Join(c.OIDCScopes, " "),
	}
}

// kekSize is the length of a key-encryption key: 256 bits (keyring.kekSize,
// which config does not import).
const kekSize = 32

// parseKEKs reads CITYHUB_KEY_ENCRYPTION_KEY: comma-separated base64 (or
// base64url) keys of kekSize bytes. The error never shows the value.
func parseKEKs(v string) ([][]byte, error) {
	var keys [][]byte
	for i, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		var key []byte
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(part); err == nil {
				key = b
				break
			}
		}
		if len(key) != kekSize {
			return nil, fmt.Errorf("CITYHUB_KEY_ENCRYPTION_KEY: key %d is not base64 of %d bytes (make one with: openssl rand -base64 %d)", i+1, kekSize, kekSize)
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// catalogueSummary is the participation catalogue's line in the start log.
func catalogueSummary(path string) string {
	if path == "" {
		return "built-in (Benevento)"
	}
	return path
}
