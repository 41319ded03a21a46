package ui

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/qrimage"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// walletPage is the citizen's wallet: credit, items as cards, history.
type walletPage struct {
	Balance int64
	Items   []walletCard
	History []wallet.HistoryLine
	// Older is the link to the next (older) page of history, if any;
	// Newest the link to the first, when this is a later one.
	Older, Newest string
	// CanTopUp shows the top-up button; TopUps are the latest card
	// top-ups with their state, Pending when one still waits for Stripe.
	CanTopUp bool
	TopUps   []cardpay.TopUp
	Pending  bool
	// Disputed and DisputeLost explain a top-up in that state: why the
	// credit went down without the citizen spending it.
	Disputed, DisputeLost bool
	// Done confirms what the citizen just did on another page (a voucher
	// claimed): a catalogue key, from a fixed list.
	Done string
	// RideOver is how far the running rides' cost so far is beyond the
	// credit: the ride ends all the same (the ride-overrun rule) and the
	// difference is owed, which the page says before it happens.
	RideOver int64
}

// walletNotices are the confirmations the wallet shows for ?done=.
var walletNotices = map[string]string{"voucher_claimed": "wallet.done.voucher_claimed"}

// walletTopUps is how many recent card top-ups the wallet lists.
const walletTopUps = 5

// topUpWatch is how long after starting a card top-up the wallet page
// refreshes itself while it waits for Stripe's confirmation.
const topUpWatch = 15 * time.Minute

// walletCard is one item with, when it shows a QR code, the first code
// rendered into the page (the script refreshes it).
type walletCard struct {
	wallet.Item
	QR *cardQR
	// QRProblem says why an item that should show a QR does not.
	QRProblem string
	// SeatName is a ticket's seat as the page names it: tickets to one
	// show share their title, and their headings and QR codes' texts are
	// told apart by it.
	SeatName string
}

// ValueLabel is the catalogue key that names what the card's value is, or
// "" when the card shows none. The items share one field (the API's
// value_cents) that means a different thing for each kind: a ride's fare
// (what it costs so far while it runs), a voucher's value left. A voucher
// that can no longer be used has nothing left to spend, whatever its
// record keeps: the remainder of an expired one is the campaign's again
// (docs/vouchers.md), so it is shown as unspent, never as left.
func (c walletCard) ValueLabel() string {
	switch {
	case c.Value == nil:
		return ""
	case c.Kind == "ride" && c.Status == "running":
		return "item.cost_so_far"
	case c.Kind == "ride":
		return "item.fare"
	case c.Kind == "voucher":
		return voucherValueLabel(c.Status, *c.Value)
	}
	return "item.value"
}

// voucherValueLabel names a voucher's remaining value on the wallet and
// vouchers pages alike: value left while it is active; unspent, with the
// note that it can no longer be used, when an expired one kept some; none
// for one used up.
func voucherValueLabel(status string, remaining int64) string {
	switch {
	case status == "active":
		return "item.remaining"
	case remaining > 0:
		return "item.unspent"
	}
	return ""
}

// Unusable says the card is of a voucher that can no longer be used: the
// page says so by its unspent value.
func (c walletCard) Unusable() bool { return c.Kind == "voucher" && c.Status != "active" }

// StatusShown is the status the card names (item.status.<it>): a voucher
// whose campaign was closed says so, not that it expired.
func (c walletCard) StatusShown() string {
	if c.Status == "expired" && c.EndedBy != "" {
		return c.EndedBy
	}
	return c.Status
}

type cardQR struct {
	Image   template.URL // data: URL of the PNG, built here from PNG bytes
	Code    string       // the typed code
	Expires time.Time
	Refresh string // the PNG endpoint the script polls
	Every   int    // seconds between refreshes (sooner if the token expires first)
}

// qrRefreshSeconds is how often the page fetches a fresh code. The script
// refreshes sooner when a token expires earlier (the expiry comes with each
// code), so a domain may choose any token lifetime above 15 s.
const qrRefreshSeconds = 30

// qrPixels is the PNG size: large enough for a till camera at arm's length.
const qrPixels = 384

// handleWallet renders the caller's own wallet; there is no way to name
// another account here.
func (s *homePages) handleWallet(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if s.wallet == nil {
		s.pageError(w, r, apperr.E(apperr.Unavailable, "the wallet is not configured"))
		return
	}
	// Two places in the history are a link gone bad, as one it never
	// gave: the error page, with the link to its newest entries.
	if err := httpx.Once(r.URL.Query(), "before"); err != nil {
		s.pagingRefused(w, r, err, "/wallet#history")
		return
	}
	ctx := r.Context()
	var page walletPage
	page.Done = walletNotices[r.URL.Query().Get("done")]
	// The claim enqueued an e-mail only if the vouchers service says so for
	// this caller, and it leaves only with an SMTP server: otherwise the
	// notice says where the details are instead.
	if page.Done == walletNotices["voucher_claimed"] && s.emailsSent && s.vouchers != nil && s.vouchers.EmailsClaims(c) {
		page.Done = "wallet.done.voucher_claimed_emailed"
	}
	acct, err := s.wallet.AccountFor(ctx, c, wallet.CitizenAccount(c.AccountID))
	switch {
	case err == nil:
		page.Balance = acct.Balance
	case apperr.CodeOf(err) == apperr.NotFound:
		// A citizen who never received credit has no ledger account yet.
	default:
		s.pageError(w, r, fmt.Errorf("read wallet balance: %w", err))
		return
	}
	items, err := s.wallet.ItemsFor(ctx, c, c.AccountID)
	if err != nil {
		s.pageError(w, r, fmt.Errorf("list wallet items: %w", err))
		return
	}
	l := s.locale(r)
	for _, it := range items {
		card := walletCard{Item: it}
		if t := it.Titles[l.Lang]; t != "" {
			card.Title = t
		}
		if it.StartsAt != nil {
			// The moment as the page writes every other one, in its
			// language and the city's zone, not as the API's subtitle does.
			seat := it.Seat
			if s := it.Seats[l.Lang]; s != "" {
				seat = s
			}
			card.Subtitle = strings.Join(slices.DeleteFunc([]string{it.Place, l.DateTime(*it.StartsAt), seat}, func(s string) bool { return s == "" }), " · ")
			card.SeatName = seat
		}
		if it.HasQR {
			card.QR, err = s.cardQR(r, c, it)
			if err != nil {
				if apperr.IsServerFault(err) {
					s.log.ErrorContext(ctx, "wallet item QR", slog.String("kind", it.Kind), slog.String("item", it.ID), slog.Any("error", err))
				}
				card.QRProblem = l.ErrorText(err)
			}
		}
		page.Items = append(page.Items, card)
		if it.Kind == "ride" && it.Status == "running" && it.Value != nil {
			page.RideOver += *it.Value
		}
	}
	page.RideOver = max(page.RideOver-max(page.Balance, 0), 0)
	before := r.URL.Query().Get("before")
	if before != "" {
		// A later page with nothing on it says there is nothing older,
		// not that there was never anything, and leads back to the first.
		page.Newest = "/wallet#history"
	}
	hist, err := s.wallet.HistoryFor(ctx, c, wallet.CitizenAccount(c.AccountID), before, 20)
	switch {
	case err == nil:
		// Memos are the ledger's notes, written in English for the city's
		// accounts; the page shows the translated kind, and the memo only
		// where it is a name people recognise (the show a ticket was for).
		for i := range hist.Lines {
			if !strings.HasPrefix(hist.Lines[i].Kind, "ticket.sale.") {
				hist.Lines[i].Memo = ""
			}
		}
		page.History = hist.Lines
		if hist.Next != "" {
			page.Older = "/wallet?before=" + hist.Next + "#history"
		}
	case apperr.CodeOf(err) == apperr.NotFound:
	case apperr.CodeOf(err) == apperr.Invalid:
		s.pagingRefused(w, r, err, "/wallet#history")
		return
	default:
		s.pageError(w, r, fmt.Errorf("read wallet history: %w", err))
		return
	}
	if p := s.pay; p != nil {
		page.CanTopUp = p.cardEnabled() || p.testEnabled()
		if p.Cards != nil {
			tops, err := p.Cards.MyTopUps(ctx, c, walletTopUps)
			if err != nil {
				s.pageError(w, r, fmt.Errorf("list card top-ups: %w", err))
				return
			}
			page.TopUps = tops
			for _, t := range tops {
				// The page watches for Stripe's confirmation of a payment
				// just made (also after a declined attempt: the next one
				// may have gone through), not forever for one left unpaid.
				open := t.State == cardpay.TopUpPending || t.State == cardpay.TopUpFailed
				page.Pending = page.Pending || (open && time.Since(t.CreatedAt) < topUpWatch)
				page.Disputed = page.Disputed || t.State == cardpay.TopUpDisputed
				page.DisputeLost = page.DisputeLost || t.State == cardpay.TopUpDisputeLost
			}
		}
	}
	s.render(w, r, http.StatusOK, "wallet", "wallet", page)
}

func (s *homePages) cardQR(r *http.Request, c identity.Caller, it wallet.Item) (*cardQR, error) {
	src, ok := s.qr[it.Kind]
	if !ok {
		return nil, apperr.E(apperr.Unavailable, "no QR source for %s", it.Kind)
	}
	token, code, exp, err := src.QRToken(r.Context(), c.AccountID, it.ID)
	if err != nil {
		return nil, err
	}
	png, err := qrPNG(token)
	if err != nil {
		return nil, err
	}
	return &cardQR{
		Image:   template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
		Code:    code,
		Expires: exp,
		Refresh: qrPath(it.Kind, it.ID),
		Every:   qrRefreshSeconds,
	}, nil
}

func qrPath(kind, id string) string {
	return "/wallet/items/" + url.PathEscape(kind) + "/" + url.PathEscape(id) + "/qr.png"
}

// qrPNG renders token at error-correction level M, as DESIGN.md sizes
// tokens for (qrimage).
func qrPNG(token string) ([]byte, error) {
	png, err := qrimage.PNG(token, qrPixels)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "render QR code")
	}
	return png, nil
}
