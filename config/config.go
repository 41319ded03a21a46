// Package config parses flags and CITYHUB_* environment variables into one
// Config, in one place. Besides it only two subcommands read variables of
// their own (simulate its broker and its log's level and format,
// create-admin CITYHUB_ADMIN_PASSWORD); the Config is passed down
// explicitly, never kept in a global.
package config

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"net/url"
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

// DefaultTimeZone is the city's time zone when CITYHUB_TIMEZONE is unset.
const DefaultTimeZone = "Europe/Rome"

// Config is everything cityhub can be told at start.
type Config struct {
	HTTPAddr  string // CITYHUB_HTTP_ADDR; ":0" picks a free port
	PublicURL string // CITYHUB_PUBLIC_URL; derived from the listen address when empty
	DataDir   string // CITYHUB_DATA_DIR: the embedded SQLite file and other local state
	// DiskMinFreeMiB (CITYHUB_DISK_MIN_FREE_MIB, default 64) is the free
	// space of DataDir's disk below which a hub on the embedded database
	// answers /readyz 503: SQLite refuses writes once its file or its log
	// cannot grow, while reads still succeed.
	DiskMinFreeMiB int

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

	// MetricsToken (CITYHUB_METRICS_TOKEN, secret) is the bearer token
	// /metrics asks for; without one, /metrics answers only this machine.
	MetricsToken string

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
	// PasswordHashCost (CITYHUB_PASSWORD_HASH_COST, default
	// DefaultHashCost) is the argon2id cost of new hashes of passwords,
	// station secrets and API keys; see hashcost.go.
	PasswordHashCost HashCost
	// UnverifiedAccountTTL (CITYHUB_UNVERIFIED_ACCOUNT_TTL, default 168h)
	// is how long an account whose address was never verified is kept
	// before it is erased; 0 keeps them.
	UnverifiedAccountTTL time.Duration
	// KeptAnswersTTL (CITYHUB_KEPT_ANSWERS_TTL, default 720h) is how long
	// the answers kept for keyed requests' retries are kept (idem.Prune);
	// 0 keeps them.
	KeptAnswersTTL time.Duration

	// SMTPURL (CITYHUB_SMTP_URL, secret: it may carry a password) is where
	// e-mail leaves: smtp://user:pass@host:587 (STARTTLS required;
	// ?tls=opportunistic or ?tls=none for a local relay) or smtps://...:465.
	// A login is sent only over TLS, so tls=none with one is refused.
	// Empty: e-mails stay in the outbox, where administrators read them.
	SMTPURL string
	// MailFrom (CITYHUB_MAIL_FROM) is the sender of every e-mail, e.g.
	// "Comune di Benevento <noreply@comune.benevento.it>"; needed with SMTPURL.
	MailFrom string
	// MailMaxAttempts (CITYHUB_MAIL_MAX_ATTEMPTS, default 8) is how many
	// deliveries an e-mail gets, with backoff from 30s to 1h, before it is
	// kept as failed for an administrator to retry; a server refusing every
	// e-mail spends none (the sender pauses, outbox.Sender).
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
	// Open311Jurisdiction (CITYHUB_OPEN311_JURISDICTION) is the city's
	// Open311 jurisdiction_id, GeoReport v2's suggestion being the city's
	// website without "www." (comune.benevento.it): report apps may send
	// it, or the host of CITYHUB_PUBLIC_URL, and the discovery document
	// names it. Empty: the public URL's host alone.
	Open311Jurisdiction string

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

	// fromFlags are the settings the command line set, by variable: the
	// flag's name (without its dash), for NameOf.
	fromFlags map[string]string
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
		TimeZone:        DefaultZone(),

		StripeWebhookTolerance: 5 * time.Minute,

		LoginWindow:         15 * time.Minute,
		LoginLimitAccountIP: 5,
		LoginLimitAccount:   10,
		LoginLimitIP:        100,
		SignupLimitIP:       20,
		MailLimitAddress:    5,
		MailLimitIP:         30,

		UnverifiedAccountTTL: 7 * 24 * time.Hour,
		KeptAnswersTTL:       30 * 24 * time.Hour,
		PasswordHashCost:     DefaultHashCost,

		MailMaxAttempts: 8,
		SMTPTimeout:     15 * time.Second,

		VoucherReminderDays: 3,

		TLS:  defaultTLS(),
		City: defaultCity(),

		ReportReopenPeriod:       30 * 24 * time.Hour,
		ProposalSupportThreshold: 100,
		PhotoMaxBytes:            8 << 20,
		DiskMinFreeMiB:           64,
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
	env("CITYHUB_METRICS_TOKEN", &c.MetricsToken)
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
	envDur("CITYHUB_KEPT_ANSWERS_TTL", &c.KeptAnswersTTL)
	envDur("CITYHUB_LOGIN_WINDOW", &c.LoginWindow)
	if v := getenv("CITYHUB_PASSWORD_HASH_COST"); v != "" {
		h, err := parseHashCost(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("CITYHUB_PASSWORD_HASH_COST: %w", err))
		}
		c.PasswordHashCost = h
	}
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
	envInt("CITYHUB_DISK_MIN_FREE_MIB", &c.DiskMinFreeMiB)
	env("CITYHUB_MAP_TILES_URL", &c.MapTilesURL)
	env("CITYHUB_MAP_TILES_ATTRIBUTION", &c.MapTilesAttribution)
	envInt("CITYHUB_PHOTO_MAX_PIXELS", &c.PhotoMaxPixels)
	env("CITYHUB_PARTICIPATION_CATALOGUE", &c.ParticipationCatalogue)
	env("CITYHUB_OPEN311_JURISDICTION", &c.Open311Jurisdiction)
	if err := errors.Join(errs...); err != nil {
		return c, err
	}

	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	defined := defineFlags(fs, &c, commandTakes(name))
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	fs.Visit(func(f *flag.Flag) {
		if s := defined[f.Name]; s.env != "" {
			if c.fromFlags == nil {
				c.fromFlags = make(map[string]string)
			}
			c.fromFlags[s.env] = f.Name
		}
	})
	c.moveMQTTCredentials()
	return c, c.Validate()
}

// commandTakes is which flags a command takes: each command only those it
// reads, so that "cityhub migrate -h" lists what migrate uses and a flag it
// would ignore (migrate -simulate-stations) is refused as unknown.
func commandTakes(name string) func(flag string) bool {
	switch name {
	case "migrate", "backup", "restore":
		return func(f string) bool {
			return f == "data-dir" || f == "database-url" || f == "log-level" || f == "log-format"
		}
	case "serve", "check":
		// Simulated stations are the demo's alone.
		return func(f string) bool { return f != "simulate-stations" }
	}
	return func(string) bool { return true }
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
