package wallet

import (
	"context"
	"time"
)

// Item is something a citizen holds that the wallet shows as a card: a
// voucher, a ticket, a ride. Domains provide items through ItemSource; the
// wallet does not know their rules.
type Item struct {
	Kind  string `json:"kind"` // "voucher", "ticket", "ride"
	ID    string `json:"id"`
	Title string `json:"title"`
	// TitleLang is the language Title is written in, where it is a text
	// someone wrote (a campaign's name) and known: pages mark it. Not in
	// the JSON.
	TitleLang string `json:"-"`
	Subtitle  string `json:"subtitle,omitempty"`
	Status    string `json:"status"`                // e.g. "active", "used", "expired", "running"
	Value     *int64 `json:"value_cents,omitempty"` // by kind: a ride's fare (cost so far while it runs), a voucher's remaining value (spendable only while active); a ticket has none
	// PercentOff, on a voucher of a percentage campaign, is the share of
	// each purchase it takes, Value being the most it still takes in all:
	// not an amount off any purchase.
	PercentOff int        `json:"percent_off,omitempty"`
	Expires    *time.Time `json:"expires_at,omitempty"`
	// EndedBy, on an item whose Status is "expired", names what ended it
	// before its expiry: "campaign_closed" for a voucher whose campaign
	// the city closed. The pages say that, not that it expired, beside a
	// validity that has not ended.
	EndedBy string    `json:"-"`
	At      time.Time `json:"at"` // when it was acquired or happened
	// HasQR says the item can be shown as a rotating QR code (see the QR
	// endpoints of its domain).
	HasQR bool `json:"has_qr"`
	// Detail is a link to the item's page, relative to the hub's URL.
	Link string `json:"link,omitempty"`
	// Titles is the title in each language the source names the item in,
	// by language code ("it", "en"), for a page in that language; Title
	// is the default, which the API gives.
	Titles map[string]string `json:"-"`
	// StartsAt, when set, is when the item's event begins (a ticket's
	// performance), Place and Seat where: a page writes its subtitle from
	// them, the moment in the page's language and the city's zone, where
	// Subtitle, which the API gives, writes it the same in every language.
	StartsAt *time.Time `json:"-"`
	Place    string     `json:"-"`
	Seat     string     `json:"-"`
	// Seats is Seat in each language the source names it in, by language
	// code, as Titles is the title.
	Seats map[string]string `json:"-"`
}

// ItemSource lists a citizen's items of one kind.
type ItemSource interface {
	WalletItems(ctx context.Context, accountID string) ([]Item, error)
}
