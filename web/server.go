// Package web is cityhub's HTTP server: it builds the surfaces (the JSON
// API in web/api, the pages in web/ui, the open feeds in web/feeds, Open311
// GeoReport v2 in web/georeport), mounts their routes on one mux and wraps
// it in the middleware they share: the request log and metrics by route
// pattern, the text checks, authentication and the replay of keyed API
// answers. It holds no handlers
// and no routes of its own; the server is complete when New returns.
package web

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/gbfs"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/mobility"
	"cityhub/mydata"
	"cityhub/oidclogin"
	"cityhub/open311"
	"cityhub/opendata"
	"cityhub/outbox"
	"cityhub/participation"
	"cityhub/photo"
	"cityhub/stripepay"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/wallet"
	"cityhub/web/api"
	"cityhub/web/feeds"
	"cityhub/web/georeport"
	"cityhub/web/httpx"
	"cityhub/web/ui"
)

// Deps is what the server needs from the rest of the hub. cmd/cityhub fills it.
type Deps struct {
	Log       *slog.Logger
	PublicURL string
	Version   string
	// TimeZone is the city's (CITYHUB_TIMEZONE): the pages show dates and
	// times in it and the API reads local performance times in it; nil: UTC.
	TimeZone *time.Location
	// Ready checks the dependencies /readyz reports on (database, broker).
	Ready map[string]func(ctx context.Context) error
	// Degraded checks what makes the hub degraded but still ready (a
	// telemetry backlog): /readyz says "degraded" and stays 200.
	Degraded map[string]func(ctx context.Context) error
	// TrustedProxies are the load balancers whose X-Forwarded-For the hub
	// believes (CITYHUB_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// Registry collects the hub's Prometheus metrics; a fresh one when nil.
	Registry *prometheus.Registry
	// MetricsToken is the bearer token /metrics asks for (feeds.Deps).
	MetricsToken string
	// Answers keeps the first answer to each API call made with an
	// Idempotency-Key, so that a retry gets it again; when nil, only the
	// operations that record their keys themselves honour them.
	Answers idem.AnswerStore

	// Identity.
	// Identity logs people in and turns credentials into callers; when nil,
	// no request is authenticated and the identity routes are off.
	Identity *identity.Service
	// Keys is the hub's keyring, published at /.well-known/jwks.json.
	Keys *keyring.Keyring
	// OIDC is the city's SPID/CIE gateway; nil: no SPID/CIE login.
	// OIDCLabel names its button on the login page.
	OIDC      *oidclogin.RP
	OIDCLabel string

	// Wallet is the citizens' wallet and the ledger; when nil, the wallet routes are off.
	Wallet *wallet.Service
	// Payments starts card top-ups and verifies Stripe's webhooks; nil: card payments off.
	Payments *stripepay.Client
	// CardPayments records the payments the hub creates and applies
	// Stripe's events about them; card payments need it with Payments.
	CardPayments *cardpay.Service
	// StripePublishableKey is handed to clients that confirm a card payment.
	StripePublishableKey string
	// TestPayments credits top-ups without a card (demo only, CITYHUB_TEST_PAYMENTS).
	TestPayments bool

	// Vouchers runs the voucher scheme; when nil, the voucher routes are off.
	Vouchers *vouchers.Service

	// GBFS keeps the open bikesharing feeds rendered; when nil, /gbfs/v3 answers 404.
	GBFS *gbfs.Feeds
	// Mobility runs bikesharing (stations, unlock, rides); when nil, its routes are off.
	Mobility *mobility.Service
	// Ticketing sells theatre seats and checks tickets in; when nil, its routes are off.
	Ticketing *ticketing.Service
	// Outbox shows administrators the e-mails the hub wrote; when nil, its routes are off.
	Outbox *outbox.Service
	// EmailsSent: an SMTP server is configured, so the e-mails the hub
	// enqueues leave. Without one they wait in the outbox for
	// administrators, and no page tells a citizen an e-mail is on its way.
	EmailsSent bool

	// Participation is citizens' reports and proposals: the JSON API, their
	// open data and photos, and Open311 GeoReport v2 at /open311/v2; when
	// its Service is nil, those routes are off.
	Participation Participation

	// QR gives wallet cards their rotating QR codes, by item kind.
	QR map[string]ui.QRSource
	// ScanTargets is where each staff role's scanner page sends codes.
	ScanTargets map[identity.Role]ui.ScanTarget
	// City is the municipality the pages speak for (CITYHUB_CITY_*).
	City ui.City
}

// Participation is what the participation routes need.
type Participation struct {
	Service *participation.Service
	// Photos limits an uploaded photo (CITYHUB_PHOTO_MAX_BYTES, _PIXELS).
	Photos photo.Limits
	// Open311PostLimiter limits Open311 POSTs per client address; the
	// default of web/georeport when nil.
	Open311PostLimiter *httpx.IPLimiter
	// Open311Jurisdiction is the city's Open311 jurisdiction_id
	// (CITYHUB_OPEN311_JURISDICTION), taken besides the public URL's host.
	Open311Jurisdiction string
	// MapTiles are the report pages' map tiles (CITYHUB_MAP_TILES_URL,
	// _ATTRIBUTION); OpenStreetMap's when empty.
	MapTiles ui.MapTiles
	// CatalogueChanged is when the catalogue of categories last changed,
	// Open311's discovery changeset.
	CatalogueChanged time.Time
}

// Server serves every HTTP route of the hub.
type Server struct {
	log      *slog.Logger
	registry *prometheus.Registry
	metrics  httpMetrics
	replay   *httpx.Replayer
	proxies  httpx.Proxies
	// hsts: the public URL is https, so every answer tells browsers to
	// come back over HTTPS only.
	hsts    bool
	handler http.Handler
	ui      *ui.UI
	feeds   *feeds.Handler
	api     *api.API
	open311 *georeport.Handler
}

// New builds the server and its routes.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
		d.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s := &Server{log: d.Log, registry: d.Registry, proxies: httpx.Proxies(d.TrustedProxies), hsts: httpsURL(d.PublicURL)}
	s.metrics = newHTTPMetrics(d.Registry)
	if d.Answers != nil {
		s.replay = &httpx.Replayer{Answering: httpx.NewAnswering(d.Answers), Unkeyed: api.UnkeyedRoutes, SelfKeyed: api.SelfKeyedRoutes, OwnAnswers: api.OwnAnswerRoutes, Log: d.Log}
		if d.Keys != nil {
			// Every replica fingerprints a keyed request alike.
			s.replay.HashKey = d.Keys.Secret(keyring.PurposeReplay, "cityhub keyed request fingerprint v1")
		}
	}
	var openVouchers feeds.OpenVoucherStats
	if d.Vouchers != nil {
		openVouchers = d.Vouchers
	}
	s.feeds = feeds.New(feeds.Deps{Log: d.Log, Version: d.Version, Ready: d.Ready, Degraded: d.Degraded, Registry: d.Registry, MetricsToken: d.MetricsToken,
		Keys: d.Keys, GBFS: d.GBFS, Vouchers: openVouchers, Participation: d.Participation.Service,
		SecurityContact: cmp.Or(d.City.SecurityContact, d.City.Email), PublicURL: d.PublicURL,
		// The catalogue speaks the pages' words, read when it is asked for.
		OpenDataCatalog: func(now time.Time) (opendata.Catalog, bool) { return s.ui.OpenDataCatalog(now) }})
	// The client secrets of the card payments started here, by the API or
	// the pages, which a retry of either is answered with again.
	secrets := stripepay.NewSecrets()
	// One data download for the API and the pages.
	myData := mydata.Sources{Identity: d.Identity, Wallet: d.Wallet, Ticketing: d.Ticketing, Mobility: d.Mobility,
		Participation: d.Participation.Service}.For
	s.api = api.New(api.Deps{MyData: myData, Log: d.Log, Identity: d.Identity, Wallet: d.Wallet, Payments: d.Payments, CardPayments: d.CardPayments,
		StripePublishableKey: d.StripePublishableKey, Secrets: secrets, TestPayments: d.TestPayments, Vouchers: d.Vouchers, Mobility: d.Mobility,
		Ticketing: d.Ticketing, Outbox: d.Outbox, Participation: d.Participation.Service, Photos: d.Participation.Photos, TimeZone: d.TimeZone})
	if d.Participation.Service != nil {
		base := strings.TrimSuffix(d.PublicURL, "/")
		s.open311 = georeport.New(georeport.Deps{Log: d.Log, Service: d.Participation.Service, Photos: d.Participation.Photos,
			PostLimiter:  d.Participation.Open311PostLimiter,
			Jurisdiction: d.Participation.Open311Jurisdiction,
			Discovery:    open311Discovery(d.City, base, d.Participation.CatalogueChanged, d.TestPayments),
			// media_url points at the open copy of an approved photo.
			MediaURL: func(id string) string { return base + "/api/v1/open/photos/" + id }})
	}
	ud := ui.Deps{Log: d.Log, PublicURL: d.PublicURL, TimeZone: d.TimeZone, QR: d.QR, ScanTargets: d.ScanTargets, Identity: d.Identity,
		Vouchers: d.Vouchers, Mobility: d.Mobility, Ticketing: d.Ticketing, Keys: d.Keys, Outbox: d.Outbox,
		Participation: d.Participation.Service, Photos: d.Participation.Photos, MapTiles: d.Participation.MapTiles,
		City: d.City, EmailsSent: d.EmailsSent}
	// The pages sign people in, show the wallet and export an account
	// through the same services the API uses.
	if d.Identity != nil {
		ud.Accounts = d.Identity
		ud.Export = func(ctx context.Context, c identity.Caller) (any, error) { return myData(ctx, c) }
		ud.AccountFlows = d.Identity
		if d.OIDC != nil {
			ud.OIDC, ud.OIDCLabel = d.OIDC, d.OIDCLabel
		}
	}
	if d.Wallet != nil {
		ud.Wallet = d.Wallet
	}
	// Erasing an account settles its credit first, through card payments.
	if d.CardPayments != nil {
		ud.Erasure = d.CardPayments
	}
	// The top-up page and card payments of theatre orders start payments
	// as the API does; the API's webhook confirms them.
	ud.Pay = ui.PagePay{PublishableKey: d.StripePublishableKey, TestPayments: d.TestPayments, Secrets: secrets}
	if d.Payments != nil && d.CardPayments != nil {
		ud.Pay.Stripe, ud.Pay.Cards = d.Payments, d.CardPayments
	}
	if d.Wallet != nil {
		ud.Pay.TestTopUps = d.Wallet
	}
	if d.Answers != nil {
		ud.Pay.Answers = httpx.NewAnswering(d.Answers)
	}
	s.ui = ui.New(ud)
	mux := http.NewServeMux()
	s.routes(mux)
	var auth httpx.Authenticator
	if d.Identity != nil {
		auth = d.Identity
	}
	// A machine's error before any route is picked (a path or query
	// holding invalid text): problem+json, or under /open311/ the
	// standard's errors document.
	apiError := func(w http.ResponseWriter, r *http.Request, err error) {
		if strings.HasPrefix(r.URL.Path, "/open311/") {
			georeport.WriteError(w, r, httpx.StatusFor(err), apperr.MessageOf(err))
			return
		}
		httpx.WriteError(s.log, w, r, err)
	}
	s.handler = s.observe(openPreflight(httpx.CheckText(machinePath, apiError, s.ui.Error, s.routeFirst(mux, httpx.Authenticate(auth, s.log, s.routed(mux))))))
	return s
}

// machinePath reports whether machines read what path answers (the API,
// the open feeds, Open311): its errors are never a page, but problem+json
// or, under /open311/, GeoReport's errors document.
func machinePath(path string) bool {
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/open311/") || feeds.Serves(path)
}

// routes mounts the surfaces on mux: the open feeds, the JSON API,
// Open311 and the pages. Each writes its routes out in its own routes.go.
func (s *Server) routes(mux *http.ServeMux) {
	s.feeds.Register(mux)
	s.api.Register(mux)
	if s.open311 != nil {
		s.open311.Register(mux)
	}
	s.ui.Register(mux)
}

// Registry is where the server counts its requests; the rest of the hub adds
// its own metrics there, and /metrics publishes them all.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// HTTPServer wraps h with the timeouts every listener of the hub uses.
func HTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// httpsURL reports whether the public URL people use is https: the hub
// serves HTTPS itself (CITYHUB_TLS_DOMAINS or certificate files make the
// public URL https) or sits behind a proxy that does.
func httpsURL(publicURL string) bool {
	u, err := url.Parse(publicURL)
	return err == nil && u.Scheme == "https"
}

// open311Discovery is what the Open311 discovery document says of this
// hub: its endpoint under base, the municipality with its contacts, and
// that API keys come from the city's administrators; a hub with test
// payments (the demo) says its endpoint is a test one.
func open311Discovery(c ui.City, base string, changed time.Time, test bool) open311.Discovery {
	who := "Comune di " + c.Name
	if c.Name == "" {
		who = "city"
	}
	contact, keys := who, "API keys are issued by the administrators of the "+who
	if c.Email != "" {
		contact += ", " + c.Email
		keys += ": write to " + c.Email
	}
	if c.Website != "" {
		contact += ", " + c.Website
	}
	return open311.Discovery{Changeset: changed, Contact: contact, KeyService: keys + ".", URL: base + georeport.Prefix, Test: test}
}
