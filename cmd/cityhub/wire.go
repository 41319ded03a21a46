package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"cityhub/cardpay"
	"cityhub/config"
	"cityhub/demo"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/stripepay"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/wallet"
	"cityhub/web"
	"cityhub/web/ui"

	"github.com/prometheus/client_golang/prometheus"
)

// hub is the wired application: services built on the store, and the HTTP
// server over them.
type hub struct {
	cfg     config.Config
	db      store.DB
	log     *slog.Logger
	server  *web.Server
	closers []func()

	keys     *keyring.Keyring
	identity *identity.Service
	wallet   *wallet.Service
	payments *stripepay.Client
	vouchers *vouchers.Service
	mobility *mobilityHub
	tickets  *ticketing.Service
	cardpay  *cardpay.Service
	outbox   *outbox.Service
	// mailSender sends the outbox's e-mails; nil without an SMTP server.
	mailSender *outbox.Sender
	parts      *participation.Service
	// composer writes the hub's e-mails; each service that sends one
	// enqueues it in the outbox with the change that causes it.
	composer *mail.Composer
}

// wire builds every service from the configuration. It holds no rules.
func wire(ctx context.Context, cfg config.Config, db store.DB, log *slog.Logger) (_ *hub, err error) {
	h := &hub{cfg: cfg, db: db, log: log}
	// A failure half-way stops what was already started (broker, loops).
	defer func() {
		if err != nil {
			h.close()
		}
	}()

	// Identity: signing keys (configured, else generated once and kept in
	// the database) and the accounts, tokens and sessions on them.
	keys, err := loadKeys(ctx, cfg, db, log)
	if err != nil {
		return nil, err
	}
	h.keys = keys
	if h.composer, err = newComposer(cfg); err != nil {
		return nil, err
	}
	idOpts := identityOptions(cfg)
	idOpts.Mail = h.composer
	h.identity = identity.NewService(db.Identity(), keys, idOpts, log.With(slog.String("component", "identity")))
	// Accounts whose address was never verified could never log in; their
	// sign-up data is erased after a while, checked hourly.
	if ttl := cfg.UnverifiedAccountTTL; ttl > 0 {
		h.background(ctx, func(ctx context.Context) { h.identity.RunPurge(ctx, ttl, time.Hour) })
	}
	// The answers kept for keyed requests' retries (a report as first
	// answered, its reporter's name in it) are forgotten once no client
	// retries any more, checked hourly.
	if cfg.KeptAnswersTTL > 0 {
		ttl := cfg.KeptAnswersTTL
		h.background(ctx, func(ctx context.Context) {
			idem.RunPrune(ctx, db.Answers(), ttl, time.Hour, log.With(slog.String("component", "answers")))
		})
	}

	// Wallet: the ledger and its singleton accounts; card top-ups through
	// Stripe when it is configured.
	h.wallet = wallet.NewService(db.Wallet(), log.With(slog.String("component", "wallet")))
	if err := h.wallet.Setup(ctx); err != nil {
		return nil, fmt.Errorf("set up the ledger: %w", err)
	}
	// Every replica rolls up the entries of accounts without a floor; an
	// advisory lock (one writer on SQLite) lets one roll-up run at a time.
	h.background(ctx, func(ctx context.Context) { h.wallet.RunRollUp(ctx, wallet.RollUpEvery) })
	if cfg.StripeSecretKey != "" {
		h.payments, err = stripepay.New(stripepay.Config{SecretKey: cfg.StripeSecretKey, WebhookSecret: cfg.StripeWebhookSecret,
			APIURL: cfg.StripeAPIURL, WebhookTolerance: cfg.StripeWebhookTolerance}, log.With(slog.String("component", "stripe")))
		if err != nil {
			return nil, fmt.Errorf("configure stripe: %w", err)
		}
	}
	if cfg.TestPayments {
		log.Warn("TEST PAYMENTS ARE ON: top-ups are credited without charging a card (demo only)")
	}
	warnHashCost(cfg, log)

	// Vouchers: campaigns, redemption and settlement; QR tokens signed with
	// the keyring's "qr" key.
	h.vouchers = vouchers.NewService(db.Vouchers(), keys, log.With(slog.String("component", "vouchers")))
	h.vouchers.SetZone(cfg.TimeZone)
	h.vouchers.SetPublisher(cfg.City.Official())
	h.vouchers.SendEmails(h.composer)
	if days := cfg.VoucherReminderDays; days > 0 {
		h.background(ctx, func(ctx context.Context) {
			h.vouchers.RunReminders(ctx, time.Duration(days)*24*time.Hour, voucherReminderEvery)
		})
	}
	h.wallet.RegisterItems("voucher", h.vouchers)
	h.wallet.RegisterReconciler("vouchers", h.vouchers)

	// Ticketing: theatre seats, paid with credit or by card; tickets are
	// QR codes signed with the keyring's "qr" key.
	h.tickets = ticketing.NewService(db.Ticketing(), keys, log.With(slog.String("component", "ticketing")))
	h.tickets.SetZone(cfg.TimeZone)
	h.tickets.SendEmails(h.composer)
	h.wallet.RegisterItems("ticket", h.tickets)
	// Card refunds the theatre owes go to Stripe every minute; without
	// Stripe they stay owed.
	if h.payments != nil {
		h.background(ctx, func(ctx context.Context) { h.tickets.RunRefunds(ctx, stripeRefunder(h.payments), time.Minute) })
		// A buyer who started paying by card may pay with credit or give
		// the seats up instead: the card payment is canceled at Stripe
		// first.
		h.tickets.SetCardCanceler(h.payments.CancelIntent)
	}

	// Card payments: what Stripe reports after a payment (refunds,
	// disputes) reaches the wallet and the ticket orders.
	h.cardpay = cardpay.NewService(db.CardPayments(), h.tickets, log.With(slog.String("component", "cardpay")))
	// What an erased account's credit owes back to its cards goes to Stripe
	// the same way.
	if h.payments != nil {
		h.background(ctx, func(ctx context.Context) { h.cardpay.RunRefunds(ctx, stripeRefunder(h.payments), time.Minute) })
	}

	// E-mail: written into the outbox with the events that cause them (a
	// credited top-up's receipt); sent when an SMTP server is configured,
	// else kept for administrators to read on the outbox page.
	if err := h.startMail(ctx); err != nil {
		return nil, err
	}

	// Mobility: stations, unlocks and rides; its MQTT side starts below,
	// once the metrics registry exists.
	h.mobility = newMobility(cfg, db, log)
	h.wallet.RegisterItems("ride", h.mobility.svc)
	h.wallet.RegisterReconciler("ticketing", h.tickets)
	h.wallet.RegisterReconciler("cardpay", h.cardpay)
	h.wallet.RegisterReconciler("mobility", h.mobility.svc)
	// The replicas check the whole ledger every CheckEvery, one of them
	// each time (the checks are kept in the database, where the others find
	// the latest): a failed check is logged as an error, and the reports
	// page shows the latest one. It starts once every reconciliation is
	// registered, so that the first check runs them all.
	h.background(ctx, func(ctx context.Context) { h.wallet.RunChecks(ctx, wallet.CheckEvery) })
	// GBFS: the open feeds, pre-rendered from the mobility service.
	feeds, err := newGBFS(cfg, h.keys, h.mobility.svc, log)
	if err != nil {
		return nil, err
	}
	go feeds.Run(ctx)

	parts, err := h.newParticipation() // citizens' reports, proposals, Open311
	if err != nil {
		return nil, err
	}
	// Staff grants name a shop, venue or office that exists.
	h.identity.CheckScopes(grantScopes{shops: h.vouchers, venues: db.Ticketing(), offices: h.parts.Catalogue()})
	// SPID/CIE: the city's OpenID Connect gateway, when configured.
	rp, err := newOIDC(cfg, log.With(slog.String("component", "oidc")))
	if err != nil {
		return nil, err
	}
	city, err := pageCity(cfg.City, cfg.TimeZone)
	if err != nil {
		return nil, err
	}
	h.server = web.New(web.Deps{
		City:      city,
		Log:       log,
		PublicURL: cfg.PublicURL,
		Version:   version,
		// /metrics: for the city's monitoring, not for the public.
		MetricsToken: cfg.MetricsToken,
		TimeZone:     cfg.TimeZone,
		// Behind a load balancer, rate limits and the audit log need the
		// client's address, not the balancer's.
		TrustedProxies: cfg.TrustedProxies,
		// A retry with an Idempotency-Key gets its first answer from any replica.
		Answers:              db.Answers(),
		Identity:             h.identity,
		Keys:                 h.keys,
		OIDC:                 rp,
		OIDCLabel:            cfg.OIDCLabel,
		Vouchers:             h.vouchers,
		Wallet:               h.wallet,
		Payments:             h.payments,
		CardPayments:         h.cardpay,
		StripePublishableKey: cfg.StripePublishableKey,
		TestPayments:         cfg.TestPayments,
		// Without an SMTP server the e-mails stay in the outbox
		// (startMail), so the pages promise none.
		EmailsSent: cfg.SMTPURL != "",
		QR:         map[string]ui.QRSource{"voucher": h.vouchers, "ticket": h.tickets},
		ScanTargets: map[identity.Role]ui.ScanTarget{
			identity.RoleMerchant: {Endpoint: ui.VoucherScanEndpoint, AskAmount: true},
			identity.RoleDoor:     {Endpoint: ui.TicketScanEndpoint},
		},
		Ticketing: h.tickets,
		Outbox:    h.outbox,
		Mobility:  h.mobility.svc,
		GBFS:      feeds,
		Ready:     readyChecks(cfg, db),
		// Without its broker a hub still serves everything but the bikes:
		// taking every replica out of the load balancer would not help.
		Degraded: map[string]func(context.Context) error{
			"broker":    h.mobility.ready,
			"telemetry": h.mobility.ingestCheck,
		},
		Participation: parts,
	})
	if err := h.server.Registry().Register(outbox.NewMetrics(db.Outbox(), log.With(slog.String("component", "mail")))); err != nil {
		return nil, fmt.Errorf("register the outbox metrics: %w", err)
	}
	if h.mailSender != nil {
		if err := h.server.Registry().Register(h.mailSender); err != nil {
			return nil, fmt.Errorf("register the mail sender's metrics: %w", err)
		}
	}
	if err := registerRedemptionBatches(h.server.Registry(), h.vouchers); err != nil {
		return nil, err
	}
	if err := h.mobility.start(ctx, h.server.Registry()); err != nil {
		return nil, fmt.Errorf("start mqtt: %w", err)
	}
	h.closers = append(h.closers, h.mobility.close)
	return h, nil
}

// readyChecks are /readyz's checks that take the hub out of the load
// balancer: the database answers, and, on the embedded one, its disk has
// room for writes (a full disk fails every write while a ping succeeds).
func readyChecks(cfg config.Config, db store.DB) map[string]func(context.Context) error {
	checks := map[string]func(context.Context) error{"database": db.Ping}
	if cfg.DatabaseURL == "" {
		checks["disk"] = diskCheck(cfg.DataDir, uint64(cfg.DiskMinFreeMiB)<<20, freeBytes)
	}
	return checks
}

// background runs loop until the hub closes: closing cancels its context
// and waits for it to return, so no loop outlives the store it writes to.
func (h *hub) background(ctx context.Context, loop func(context.Context)) {
	ctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		loop(ctx)
	}()
	h.closers = append(h.closers, func() { stop(); <-done })
}

// loadKeys loads the signing keys, encrypted in the database with the
// key-encryption key when one is configured.
func loadKeys(ctx context.Context, cfg config.Config, db store.DB, log *slog.Logger) (*keyring.Keyring, error) {
	keys, err := keyring.Open(ctx, db.Keyring(), keyring.Options{PEM: cfg.SigningKeys, KEKs: cfg.KeyEncryptionKeys})
	if err != nil {
		return nil, fmt.Errorf("load signing keys: %w", err)
	}
	if keys.StoredInClear() {
		log.Warn("signing keys are kept in the database without encryption: set CITYHUB_KEY_ENCRYPTION_KEY (openssl rand -base64 32) to encrypt them")
	}
	if encrypted, again := keys.Resealed(); encrypted+again > 0 {
		log.Info("stored signing keys encrypted with the first CITYHUB_KEY_ENCRYPTION_KEY",
			slog.Int("from_clear", encrypted), slog.Int("from_older_key", again), slog.String("key_encryption_key", keyring.KEKFingerprint(cfg.KeyEncryptionKeys[0])))
	}
	// A rotation (NEW,OLD) asked for while the configuration gives every
	// key does nothing: said, so that OLD, still needed, is not thrown away.
	if n := keys.NotResealed(); n > 0 {
		log.Warn("stored signing keys were not encrypted with the first CITYHUB_KEY_ENCRYPTION_KEY: CITYHUB_SIGNING_KEYS gives the keys, so the stored ones are not read; keep the key-encryption key they are sealed with until a start without CITYHUB_SIGNING_KEYS encrypts them",
			slog.Int("keys", n), slog.String("key_encryption_key", keyring.KEKFingerprint(cfg.KeyEncryptionKeys[0])))
	}
	return keys, nil
}

// identityOptions are the identity service's settings from the configuration.
func identityOptions(cfg config.Config) identity.Options {
	return identity.Options{
		Issuer: cfg.PublicURL, AccessTTL: cfg.AccessTokenTTL, RefreshTTL: cfg.RefreshTokenTTL,
		Limits: identity.LoginLimits{
			Window: cfg.LoginWindow, PerAccountIP: cfg.LoginLimitAccountIP, PerAccount: cfg.LoginLimitAccount, PerIP: cfg.LoginLimitIP,
			SignupsPerIP: cfg.SignupLimitIP, MailsPerAddress: cfg.MailLimitAddress, MailsPerIP: cfg.MailLimitIP,
		},
		Argon2: hashCost(cfg),
	}
}

// hashCost is the argon2id cost of every hash the hub makes: account
// passwords, station broker secrets and participation API keys
// (CITYHUB_PASSWORD_HASH_COST). Hashes carry their own parameters, so
// those made at another cost still verify.
func hashCost(cfg config.Config) identity.Argon2Params {
	h := cfg.PasswordHashCost
	return identity.Argon2Params{Memory: h.Memory, Time: h.Time, Threads: h.Threads}
}

// warnHashCost says at start that new hashes are weaker than OWASP's
// minimum, which a test hub may want and a city's hub should not.
func warnHashCost(cfg config.Config, log *slog.Logger) {
	if cfg.PasswordHashCost.BelowOWASP() {
		log.Warn("CITYHUB_PASSWORD_HASH_COST is below OWASP's minimum for argon2id: new password, station secret and API key hashes are cheaper to guess",
			slog.String("cost", cfg.PasswordHashCost.String()), slog.String("minimum", config.DefaultHashCost.String()))
	}
}

// stripeRefunder sends ticketing's card refunds through the Stripe client.
func stripeRefunder(c *stripepay.Client) ticketing.RefundFunc {
	return func(ctx context.Context, pi string, amount int64, key string) (string, error) {
		r, err := c.Refund(ctx, pi, amount, key)
		return r.ID, err
	}
}

func (h *hub) close() {
	for i := len(h.closers) - 1; i >= 0; i-- {
		h.closers[i]()
	}
}

// seedDemo loads the demo data (idempotent) and returns the logins to print.
// demoDatabase refuses a database the demo may not seed, read before the
// store opens it (and migrates it).
func demoDatabase(ctx context.Context, cfg config.Config) error {
	n, admin, err := store.PeekAccounts(ctx, cfg.DatabaseURL, cfg.DataDir, demo.AdminEmail)
	if err != nil {
		return err
	}
	return demo.CheckDatabase(n, admin)
}

func (h *hub) seedDemo(ctx context.Context, stdout io.Writer) ([]demoLogin, error) {
	res, err := demo.Seed(ctx, demo.Services{Identity: h.identity, Wallet: h.wallet, Vouchers: h.vouchers, Theatre: h.tickets, Participation: h.parts}, h.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := h.mobility.seedDemoStations(ctx, demoStations, stdout); err != nil {
		return nil, err
	}
	out := make([]demoLogin, 0, len(res.Logins))
	for _, l := range res.Logins {
		out = append(out, demoLogin{Role: l.Role, Email: l.Email, Password: l.Password})
	}
	return out, nil
}

// voucherReminderEvery is how often each hub looks for vouchers to remind
// their holders of: often enough that a reminder is not hours late, rarely
// enough to cost nothing.
const voucherReminderEvery = 10 * time.Minute

// demoStations is how many simulated stations the demo plays.
const demoStations = 8

// pageCity is the municipality for the pages, its coat of arms read from
// its file (config has checked it exists and is small).
func pageCity(c config.City, zone *time.Location) (ui.City, error) {
	logo, err := c.ReadLogo()
	if err != nil {
		return ui.City{}, err
	}
	reviewed, err := c.AccessibilityReviewedOn(zone)
	if err != nil {
		return ui.City{}, err
	}
	out := ui.City{Name: c.Name, Address: c.Address, Phone: c.Phone, Email: c.Email, PEC: c.PEC, DPOEmail: c.DPOEmail, Website: c.Website, SecurityContact: c.SecurityContact, IPACode: c.IPACode,
		AccessibilityURL: c.AccessibilityURL, AccessibilityReviewed: reviewed, Logo: logo}
	if logo != nil {
		out.LogoType, _ = c.LogoType()
	}
	return out, nil
}

// registerRedemptionBatches counts the batches of redemptions this hub
// decided (vouchers.BatchStats: two or more requests each), the requests
// decided in them, and the batches that failed whole and whose redemptions
// then ran one by one (a rising count says the batches are refused by the
// database for a reason worth a look in the log).
func registerRedemptionBatches(reg prometheus.Registerer, svc *vouchers.Service) error {
	for name, c := range map[string]struct {
		help  string
		count func(vouchers.BatchStats) int64
	}{
		"cityhub_voucher_redemption_batches_total": {"Batches of voucher redemptions: transactions that decided two or more redemption requests together.",
			func(s vouchers.BatchStats) int64 { return s.Batches }},
		"cityhub_voucher_redemptions_batched_total": {"Voucher redemption requests decided in batches: new redemptions, refusals and replayed answers.",
			func(s vouchers.BatchStats) int64 { return s.Redemptions }},
		"cityhub_voucher_redemption_batch_fallbacks_total": {"Batches of voucher redemptions that failed whole; their redemptions then ran one by one.",
			func(s vouchers.BatchStats) int64 { return s.Fallbacks }},
	} {
		err := reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: c.help},
			func() float64 { return float64(c.count(svc.RedemptionBatches())) }))
		if err != nil {
			return fmt.Errorf("register %s: %w", name, err)
		}
	}
	return nil
}
