// Package api is the hub's JSON API under /api/v1, described by the OpenAPI
// document it serves (openapi.json). Its handlers decode and check requests,
// ask the domain services and answer JSON or problem+json; they hold no
// business rules and no SQL. Each area has a handler type of its own; every
// route is written out in routes.go.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mydata"
	"cityhub/outbox"
	"cityhub/participation"
	"cityhub/photo"
	"cityhub/stripepay"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// Deps is what the API asks. A nil service switches its area's routes off.
type Deps struct {
	Log *slog.Logger
	// Identity logs people in, issues tokens and keeps accounts.
	Identity *identity.Service
	// Wallet is the citizens' wallet and the ledger.
	Wallet *wallet.Service
	// Payments starts card top-ups and verifies Stripe's webhooks; nil: card payments off.
	Payments *stripepay.Client
	// CardPayments records the payments the hub creates and applies
	// Stripe's events about them; card payments need it with Payments.
	CardPayments *cardpay.Service
	// StripePublishableKey is handed to clients that confirm a card payment.
	StripePublishableKey string
	// Secrets holds the client secrets of the card payments started here,
	// shared with the pages; nil: the API holds its own.
	Secrets *stripepay.Secrets
	// TestPayments credits top-ups without a card (demo only).
	TestPayments bool
	Vouchers     *vouchers.Service
	Mobility     *mobility.Service
	Ticketing    *ticketing.Service
	// TimeZone is the city's (CITYHUB_TIMEZONE): performance times given
	// as local times are read in it; nil: UTC.
	TimeZone *time.Location
	// Outbox shows administrators the e-mails the hub wrote.
	Outbox *outbox.Service
	// MyData is a person's data download (GET /api/v1/me/data); nil: the
	// download holds identity's part alone.
	MyData func(ctx context.Context, c identity.Caller) (mydata.Download, error)
	// Participation is citizens' reports, the offices' triage and
	// proposals; Photos limits the photos a report brings.
	Participation *participation.Service
	Photos        photo.Limits
}

// API serves the JSON API: one handler per area.
type API struct {
	log        *slog.Logger
	accounts   *accountHandler
	wallet     *walletHandler
	vouchers   *voucherHandler
	mobility   *mobilityHandler
	catalogues catalogues
	tickets    *ticketHandler
	mail       *mailHandler
	parts      *participationHandler
}

// New builds the API over d.
func New(d Deps) *API {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.TimeZone == nil {
		d.TimeZone = time.UTC
	}
	a := &API{log: d.Log}
	// The client secrets of the card payments this hub starts, shared by
	// top-ups and ticket orders (stripepay.Secrets).
	secrets := d.Secrets
	if secrets == nil {
		secrets = stripepay.NewSecrets()
	}
	if d.Identity != nil {
		myData := d.MyData
		if myData == nil {
			myData = mydata.Sources{Identity: d.Identity}.For
		}
		a.accounts = &accountHandler{log: d.Log, identity: d.Identity, erasure: d.CardPayments, myData: myData}
	}
	if d.Wallet != nil {
		a.wallet = &walletHandler{log: d.Log, wallet: d.Wallet, payments: d.Payments, cardPayments: d.CardPayments,
			stripePublishableKey: d.StripePublishableKey, testPayments: d.TestPayments, secrets: secrets}
	}
	if d.Vouchers != nil {
		a.vouchers = &voucherHandler{log: d.Log, vouchers: d.Vouchers, identity: d.Identity}
	}
	if d.Mobility != nil {
		a.mobility = &mobilityHandler{log: d.Log, mobility: d.Mobility}
		a.catalogues = newCatalogues(d.Mobility, d.Log)
	}
	if d.Ticketing != nil {
		a.tickets = &ticketHandler{log: d.Log, ticketing: d.Ticketing, payments: d.Payments, cardPayments: d.CardPayments,
			stripePublishableKey: d.StripePublishableKey, zone: d.TimeZone, secrets: secrets}
	}
	if d.Outbox != nil {
		a.mail = &mailHandler{log: d.Log, outbox: d.Outbox}
	}
	if d.Participation != nil {
		if d.Photos.MaxBytes <= 0 {
			d.Photos.MaxBytes = photo.DefaultMaxBytes
		}
		a.parts = &participationHandler{log: d.Log, svc: d.Participation, photos: d.Photos}
	}
	return a
}

// noBody wraps the handler of an operation the document gives no request
// body: a signed-in caller's body is refused (httpx.NoBody).
func (a *API) noBody(h http.HandlerFunc) http.HandlerFunc { return httpx.NoBody(a.log, h) }

// accountHandler serves logins, tokens and accounts.
type accountHandler struct {
	log      *slog.Logger
	identity *identity.Service
	// erasure erases accounts after settling their credit; nil: DELETE
	// /api/v1/me is unavailable.
	erasure *cardpay.Service
	// myData makes the person's data download.
	myData func(ctx context.Context, c identity.Caller) (mydata.Download, error)
}

// walletHandler serves the wallet, its top-ups, the ledger and Stripe's
// webhook.
type walletHandler struct {
	log                  *slog.Logger
	wallet               *wallet.Service
	payments             *stripepay.Client
	cardPayments         *cardpay.Service
	stripePublishableKey string
	testPayments         bool
	// secrets holds the client secrets of the card payments started here.
	secrets *stripepay.Secrets
}

// voucherHandler serves the voucher scheme: administration, citizens and shops.
type voucherHandler struct {
	log      *slog.Logger
	vouchers *vouchers.Service
	// identity creates shop staff accounts; nil: accounts are not configured.
	identity *identity.Service
}

// mobilityHandler serves bikesharing: riders, operators, station credentials.
type mobilityHandler struct {
	log      *slog.Logger
	mobility *mobility.Service
}

// ticketHandler serves the theatre: citizens, the door and administration.
type ticketHandler struct {
	log                  *slog.Logger
	ticketing            *ticketing.Service
	payments             *stripepay.Client
	cardPayments         *cardpay.Service
	stripePublishableKey string
	// zone is the city's: local performance times are read in it.
	zone *time.Location
	// secrets holds the client secrets of the card payments started here.
	secrets *stripepay.Secrets
}

// mailHandler serves administrators the e-mail outbox.
type mailHandler struct {
	log    *slog.Logger
	outbox *outbox.Service
}
