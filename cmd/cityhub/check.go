package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/config"
	"cityhub/ids"
	"cityhub/mqtt"
	"cityhub/oidclogin"
	"cityhub/participation"
	"cityhub/smtpmail"
	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/sqlite"
	"cityhub/tlsserve"
)

// checkTimeout bounds each check, so that an unreachable service is reported
// instead of hanging the command.
const checkTimeout = 10 * time.Second

// checkResult is one line of cityhub check.
type checkResult struct {
	name string
	ok   bool
	// warn marks a line that works but is not what a city's hub should
	// run with: it is shown as WARN and does not fail the check.
	warn   bool
	detail string
}

// check reads the configuration as serve would and says, one line per
// service, whether what it names is reachable and sane. It changes nothing:
// no migration is applied, no message published, no payment made.
func check(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Parse("check", args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return err // the flags were asked for and printed: run succeeds
	}
	if err != nil {
		fmt.Fprintf(stdout, "FAIL  %-10s %v\n", "config", err)
		return errors.New("the configuration is not valid")
	}
	results := []checkResult{
		checkDatabase(ctx, cfg),
		checkBroker(ctx, cfg),
		checkSMTP(ctx, cfg),
		checkStripe(ctx, cfg),
		checkOIDC(ctx, cfg),
		checkPublicURL(cfg),
		checkListen(cfg),
		checkTLS(cfg),
		checkInstance(cfg),
		checkParticipation(cfg),
		checkPayments(cfg),
		checkPasswordHash(cfg),
	}
	failed := 0
	for _, r := range results {
		mark := "ok  "
		switch {
		case !r.ok:
			mark = "FAIL"
			failed++
		case r.warn:
			mark = "WARN"
		}
		fmt.Fprintf(stdout, "%s  %-10s %s\n", mark, r.name, r.detail)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d checks failed", failed, len(results))
	}
	return nil
}

func checkDatabase(ctx context.Context, cfg config.Config) checkResult {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	r := checkResult{name: "database"}
	var (
		version, pending int
		err              error
		where            string
	)
	if cfg.DatabaseURL != "" {
		where = "postgres " + config.Redact(cfg.DatabaseURL)
		version, pending, err = postgres.MigrationStatus(ctx, cfg.DatabaseURL)
	} else {
		path := filepath.Join(cfg.DataDir, store.SQLiteFile)
		where = "sqlite " + path
		if _, serr := os.Stat(path); errors.Is(serr, fs.ErrNotExist) {
			r.ok, r.detail = true, where+": no database yet; the first start creates it"
			return r
		}
		version, pending, err = sqlite.MigrationStatus(ctx, path)
	}
	switch {
	case err != nil:
		r.detail = fmt.Sprintf("%s: %v", where, err)
	case pending > 0:
		// serve applies them at start; migrate applies them now.
		r.ok, r.detail = true, fmt.Sprintf("%s: reachable, schema version %d, %d migrations to apply (the next start or cityhub migrate applies them)", where, version, pending)
	default:
		r.ok, r.detail = true, fmt.Sprintf("%s: reachable, schema version %d, migrations current", where, version)
	}
	return r
}

// checkBroker connects with the hub's credentials and subscribes to a reply
// topic of a throwaway instance: the broker's ACL must grant the hub its own
// topics. It does not join the hubs' shared subscriptions, which would take
// station messages from the running hubs.
func checkBroker(ctx context.Context, cfg config.Config) checkResult {
	r := checkResult{name: "broker"}
	if cfg.MQTTURL == "" {
		r.ok, r.detail = true, "embedded broker: the hub starts it on "+cfg.MQTTBrokerAddr
		if err := tryListen(cfg.MQTTBrokerAddr); err != nil {
			r.warn = true
			r.detail = "embedded broker: " + listenProblem(cfg.MQTTBrokerAddr, err) +
				" (point " + cfg.NameOf("CITYHUB_MQTT_URL") + " at the broker there, or set " + cfg.NameOf("CITYHUB_MQTT_BROKER_ADDR") + " to a free address)"
		}
		return r
	}
	where := config.Redact(cfg.MQTTURL)
	if cfg.MQTTUsername != "" {
		where += " as " + cfg.MQTTUsername
	}
	opts := paho.NewClientOptions().
		AddBroker(cfg.MQTTURL).
		SetClientID("cityhub-check-" + ids.Token(6)).
		SetUsername(cfg.MQTTUsername).
		SetPassword(cfg.MQTTPassword).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(checkTimeout)
	cli := paho.NewClient(opts)
	tok := cli.Connect()
	if !tok.WaitTimeout(checkTimeout) {
		r.detail = where + ": no answer within " + checkTimeout.String()
		return r
	}
	if err := tok.Error(); err != nil {
		r.detail = fmt.Sprintf("%s: connect: %v", where, err)
		return r
	}
	defer cli.Disconnect(250)
	topic := mqtt.Topics{Root: cfg.MQTTTopicRoot}.RepliesFilter("check-" + ids.Token(6))
	sub := cli.Subscribe(topic, 1, nil)
	if !sub.WaitTimeout(checkTimeout) || sub.Error() != nil {
		r.detail = fmt.Sprintf("%s: connected, but subscribing to %s failed: %v", where, topic, sub.Error())
		return r
	}
	st, _ := sub.(*paho.SubscribeToken)
	if st != nil {
		if qos, ok := st.Result()[topic]; ok && qos == 0x80 {
			r.detail = fmt.Sprintf("%s: connected, but the broker refuses the hub's topic %s (check its ACL)", where, topic)
			return r
		}
	}
	cli.Unsubscribe(topic).WaitTimeout(checkTimeout)
	r.detail = where + ": connected, the hub's topics allowed under " + cfg.MQTTTopicRoot
	if cfg.MQTTBrokerAuth != "dynsec" {
		r.ok = true
		return r
	}
	return checkDynsec(ctx, cfg, r)
}

// checkListen tries to listen where serve will, on the HTTP address and,
// when the hub serves HTTPS itself, the HTTPS address, and lets go at once.
// check also runs beside the hub, whose own addresses are then taken: a
// taken address is a warning, not a failure.
func checkListen(cfg config.Config) checkResult {
	r := checkResult{name: "listen", ok: true}
	addrs := []struct{ what, addr string }{{"HTTP", cfg.HTTPAddr}}
	if cfg.TLS.Enabled() {
		addrs = append(addrs, struct{ what, addr string }{"HTTPS", cfg.TLS.HTTPSAddr})
	}
	var said []string
	for _, a := range addrs {
		if err := tryListen(a.addr); err != nil {
			r.warn = true
			said = append(said, a.what+" "+listenProblem(a.addr, err))
		} else {
			said = append(said, a.what+" "+a.addr+" is free")
		}
	}
	r.detail = strings.Join(said, "; ")
	return r
}

// tryListen listens on addr and closes at once: nil when serve could
// listen there now. A port 0 (a free port picked at start) always can.
func tryListen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return ln.Close()
}

// listenProblem says why serve could not listen on addr.
func listenProblem(addr string, err error) string {
	if errors.Is(err, syscall.EADDRINUSE) {
		return addr + " is taken: serve will not start on it, unless it is this hub already running"
	}
	if errors.Is(err, syscall.EACCES) {
		return fmt.Sprintf("%s: cannot listen there as this user (a port below 1024 needs CAP_NET_BIND_SERVICE, which the packaged service has): %v", addr, err)
	}
	return fmt.Sprintf("%s: cannot listen there: %v", addr, err)
}

// dynsecAnswerTimeout bounds the wait for the dynamic-security plugin, which
// answers its admin at once and anyone else never.
const dynsecAnswerTimeout = 5 * time.Second

// checkDynsec: with CITYHUB_MQTT_BROKER_AUTH=dynsec the hub makes every
// station's broker account through Mosquitto's dynamic-security plugin and
// publishes their commands, so its account must be the plugin's admin and
// one of its roles must let it publish commands under the root (or it must
// hold the cityhub-hub role, to which a start adds that rule). It only
// asks: nothing is created or changed, no command is published.
func checkDynsec(ctx context.Context, cfg config.Config, r checkResult) checkResult {
	ctx, cancel := context.WithTimeout(ctx, dynsecAnswerTimeout)
	defer cancel()
	a, err := mqtt.CheckDynsec(ctx, mqtt.DynsecOptions{URL: cfg.MQTTURL, Username: cfg.MQTTUsername, Password: cfg.MQTTPassword, Root: cfg.MQTTTopicRoot})
	switch {
	case err != nil:
		r.detail += fmt.Sprintf("; but %s=dynsec and the account cannot administer the broker's dynamic-security plugin, so the hub cannot give stations their accounts: %v", cfg.NameOf("CITYHUB_MQTT_BROKER_AUTH"), err)
	case a.MayCommand:
		r.ok = true
		r.detail += "; dynamic security: the account administers the plugin and may publish the stations' commands (" + a.Probe + ")"
	case a.HasHubRole:
		r.ok = true
		r.detail += fmt.Sprintf("; dynamic security: the account administers the plugin; its role %s does not cover %s yet, so the next start adds that rule (connected hubs reconnect once)", mqtt.HubRole, a.Probe)
	default:
		r.detail += "; but " + cfg.NameOf("CITYHUB_MQTT_BROKER_AUTH") + "=dynsec and the hub could not command stations: " + mqtt.HubRoleHelp(cfg.MQTTUsername, cfg.MQTTTopicRoot)
	}
	return r
}

// checkSMTP does what the outbox's sender does before its first message:
// connects, says EHLO, starts TLS and logs in as CITYHUB_SMTP_URL says,
// then quits. No e-mail is sent.
func checkSMTP(ctx context.Context, cfg config.Config) checkResult {
	r := checkResult{name: "smtp"}
	if cfg.SMTPURL == "" {
		r.ok, r.detail = true, "not configured: e-mails stay in the outbox, where administrators read them"
		return r
	}
	tr, err := smtpmail.New(smtpmail.Config{URL: cfg.SMTPURL, From: cfg.MailFrom, Timeout: min(cfg.SMTPTimeout, checkTimeout)}, nil)
	if err != nil {
		r.detail = err.Error()
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	p, err := tr.Check(ctx)
	if err != nil {
		r.detail = err.Error()
		return r
	}
	var said []string
	if p.TLS != "" {
		said = append(said, "over "+p.TLS)
	} else {
		said = append(said, "without TLS")
	}
	if p.User != "" {
		said = append(said, "logged in as "+p.User)
	}
	r.ok, r.detail = true, fmt.Sprintf("%s: connected %s; nothing sent (mail from %s)", tr, strings.Join(said, ", "), cfg.MailFrom)
	return r
}

// checkOIDC reads the SPID/CIE provider's discovery document and signing
// keys with the hub's client settings: it proves the issuer, the private key
// file and what the provider offers, without logging anyone in.
func checkOIDC(ctx context.Context, cfg config.Config) checkResult {
	r := checkResult{name: "oidc"}
	if cfg.OIDCIssuer == "" {
		r.ok, r.detail = true, "not configured: no SPID/CIE login"
		return r
	}
	c := oidclogin.Config{Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
		RedirectURL: strings.TrimRight(cfg.PublicURL, "/") + "/login/oidc/callback", Scopes: cfg.OIDCScopes}
	if cfg.OIDCPrivateKeyFile != "" {
		pem, err := oidclogin.ReadPrivateKeyFile(cfg.OIDCPrivateKeyFile)
		if err != nil {
			r.detail = err.Error()
			return r
		}
		c.PrivateKeyPEM = pem
	}
	if c.RedirectURL == "/login/oidc/callback" {
		c.RedirectURL = "http://localhost/login/oidc/callback" // only the provider's side is checked
	}
	rp, err := oidclogin.New(c, nil)
	if err != nil {
		r.detail = err.Error()
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if err := rp.Check(ctx); err != nil {
		r.detail = fmt.Sprintf("%s: %v", config.Redact(cfg.OIDCIssuer), err)
		return r
	}
	r.ok, r.detail = true, config.Redact(cfg.OIDCIssuer)+": discovery and signing keys read, code flow with PKCE offered"
	return r
}

// checkStripe makes the cheapest authenticated call, reading the balance:
// it proves the secret key and the API address without moving money. (A
// setting given without the others never gets here: the configuration
// refuses it, on check's config line as at serve's start.)
func checkStripe(ctx context.Context, cfg config.Config) checkResult {
	r := checkResult{name: "stripe"}
	if cfg.StripeSecretKey == "" {
		r.ok, r.detail = true, "not configured: card payments are off"
		return r
	}
	base := cfg.StripeAPIURL
	if base == "" {
		base = "https://api.stripe.com"
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/v1/balance", nil)
	if err != nil {
		r.detail = fmt.Sprintf("%s: %v", config.Redact(base), err)
		return r
	}
	req.Header.Set("Authorization", "Bearer "+cfg.StripeSecretKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.detail = fmt.Sprintf("%s: %v", config.Redact(base), err)
		return r
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	switch {
	case resp.StatusCode == http.StatusOK:
		r.ok, r.detail = true, config.Redact(base)+": the secret key is accepted"
	case resp.StatusCode == http.StatusUnauthorized:
		r.detail = config.Redact(base) + ": the secret key is refused (401)"
	default:
		r.detail = fmt.Sprintf("%s: unexpected answer %s", config.Redact(base), resp.Status)
	}
	return r
}

// checkPublicURL: links in e-mails, QR codes and feeds carry the public
// URL, and tokens name it as their issuer, so it must be absolute and, off
// this machine, https.
func checkPublicURL(cfg config.Config) checkResult {
	r := checkResult{name: "public url"}
	if cfg.PublicURL == "" && len(cfg.TLS.Domains) > 0 {
		r.ok, r.detail = true, "not set: "+httpsPublicURL(cfg.TLS, cfg.TLS.HTTPSAddr)+", the first of CITYHUB_TLS_DOMAINS"
		return r
	}
	if cfg.PublicURL == "" {
		host, _, _ := net.SplitHostPort(cfg.HTTPAddr)
		if isLoopback(host) {
			r.ok, r.detail = true, "not set: derived from the listen address "+cfg.HTTPAddr+" (fine on this machine only)"
		} else {
			r.detail = "not set while the hub listens on " + cfg.HTTPAddr + ": set " + cfg.NameOf("CITYHUB_PUBLIC_URL") + " to the https:// address people use"
		}
		return r
	}
	u, err := url.Parse(cfg.PublicURL)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		r.detail = fmt.Sprintf("%s %q is not an absolute http(s) URL", cfg.NameOf("CITYHUB_PUBLIC_URL"), config.Redact(cfg.PublicURL))
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		r.detail = fmt.Sprintf("%q must not carry a user, query or fragment", config.Redact(cfg.PublicURL))
	case u.Scheme != "https" && !isLoopback(u.Hostname()):
		r.detail = fmt.Sprintf("%s is plain http on a public address: use https", cfg.PublicURL)
	default:
		r.ok, r.detail = true, cfg.PublicURL
	}
	return r
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkPasswordHash says what new password, station secret and API key
// hashes cost, and warns when it is below OWASP's minimum: a weak cost
// works, so it never fails the check.
func checkPasswordHash(cfg config.Config) checkResult {
	r := checkResult{name: "passwords", ok: true}
	cost := cfg.PasswordHashCost
	if cost.BelowOWASP() {
		r.warn = true
		r.detail = fmt.Sprintf("argon2id %s is below OWASP's minimum (%s): new hashes are cheap to guess; unset CITYHUB_PASSWORD_HASH_COST for the default", cost, config.DefaultHashCost)
		return r
	}
	r.detail = fmt.Sprintf("argon2id %s for new hashes (OWASP's minimum is %s)", cost, config.DefaultHashCost)
	if cost == config.DefaultHashCost {
		r.detail = fmt.Sprintf("argon2id %s for new hashes (the default, OWASP's minimum)", cost)
	}
	return r
}

// checkTLS loads the certificate and key files as serve does (a key every
// user may read, a pair that does not match, a missing file: serve does
// not start), or looks at the ACME directory and CA roots serve would use,
// without asking the ACME server anything or making the directory.
func checkTLS(cfg config.Config) checkResult {
	r := checkResult{name: "tls"}
	t := cfg.TLS
	if len(t.Domains) == 0 && t.CertFile == "" && t.KeyFile == "" {
		r.ok, r.detail = true, "no HTTPS: plain HTTP on "+cfg.HTTPAddr+" (TLS ends at a proxy in front, if any)"
		return r
	}
	public := cfg.PublicURL
	if public == "" {
		public = httpsPublicURL(t, t.HTTPSAddr) // as serve takes it
	}
	notAfter, err := tlsserve.Check(tlsserve.Config{Domains: t.Domains, ACMEDirectory: t.ACMEDirectory, ACMEEmail: t.ACMEEmail,
		ACMERootsFile: t.ACMERootsFile, CacheDir: filepath.Join(cfg.DataDir, "acme"), CertFile: t.CertFile, KeyFile: t.KeyFile,
		PublicURL: public})
	switch {
	case err != nil:
		r.detail = err.Error()
	case len(t.Domains) > 0:
		r.ok, r.detail = true, fmt.Sprintf("ACME for %s: the directory and settings are usable; the certificates are obtained at start", strings.Join(t.Domains, ", "))
	case time.Now().After(notAfter):
		r.ok, r.warn, r.detail = true, true, fmt.Sprintf("%s loads with its key, but expired on %s: browsers refuse it", t.CertFile, notAfter.Format(time.DateOnly))
	default:
		r.ok, r.detail = true, fmt.Sprintf("%s loads with its key, valid until %s", t.CertFile, notAfter.Format(time.DateOnly))
	}
	return r
}

// checkParticipation reads the city's catalogue of report categories as
// serve does: a missing or broken file stops serve.
func checkParticipation(cfg config.Config) checkResult {
	r := checkResult{name: "reports"}
	if cfg.ParticipationCatalogue == "" {
		r.ok, r.detail = true, "the built-in catalogue of report categories"
		return r
	}
	if _, err := participation.LoadCatalogue(cfg.ParticipationCatalogue); err != nil {
		r.detail = fmt.Sprintf("CITYHUB_PARTICIPATION_CATALOGUE: %v", err)
		return r
	}
	r.ok, r.detail = true, "the catalogue "+cfg.ParticipationCatalogue+" reads"
	return r
}

// checkInstance checks the hub's instance id as the broker client does at
// start (where a bad one stops serve, after the migrations).
func checkInstance(cfg config.Config) checkResult {
	r := checkResult{name: "instance"}
	switch err := checkInstanceID(cfg); {
	case cfg.InstanceID == "":
		r.ok, r.detail = true, "no CITYHUB_INSTANCE_ID: a random one at each start (fine for one hub; replicas each need their own)"
	case err != nil:
		r.detail = err.Error() // serve's words
	default:
		r.ok, r.detail = true, cfg.NameOf("CITYHUB_INSTANCE_ID")+" "+cfg.InstanceID
	}
	return r
}

// checkPayments fails a hub that credits top-ups without a card
// (CITYHUB_TEST_PAYMENTS): right for the demo, never for a city's hub.
func checkPayments(cfg config.Config) checkResult {
	r := checkResult{name: "payments", ok: true, detail: "top-ups only through Stripe, when it is configured"}
	if cfg.TestPayments {
		r.ok, r.detail = false, cfg.NameOf("CITYHUB_TEST_PAYMENTS")+" is on: every top-up is credited at once without a card; never on a city's hub"
	}
	return r
}
