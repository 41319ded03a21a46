// Package vouchers is the city's discount voucher scheme: shops, campaigns
// funded from the city's budget, vouchers that citizens claim and show as
// rotating QR codes, redemption at the till, reversal of a mistaken
// redemption, settlement periods that reimburse the shops, and open-data
// statistics. Every state change that moves value posts a balanced ledger
// transaction (wallet.Post) in the same database transaction, after checking
// every limit under row locks. It must never import net/http or an SQL
// driver, never take a shop id from a request body, and never let a
// campaign's vouchers be worth more than its budget.
package vouchers

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/money"
	"cityhub/plaintext"
)

// Rules of the scheme that are not per campaign.
const (
	// ReversalWindow is how long after a redemption the shop may reverse it.
	// Settlement leaves out redemptions still inside it, so a statement never
	// lists one that can still change.
	ReversalWindow = 30 * time.Minute
	// TokenLeeway tolerates tills whose clocks run a little fast.
	TokenLeeway = 5 * time.Second
	// MaxCents bounds any amount (one million euros), so sums cannot overflow.
	MaxCents = 100_000_000
)

// Bounds of what administrators type, in characters as people count them
// (an accented letter is one), as every area bounds its texts. The
// refusals give them as their values, so that the pages' words name them
// as the check enforces them.
const (
	MaxShopName            = 200
	MaxShopAddress         = 300
	MaxCampaignName        = 200
	MaxCampaignDescription = 2000
	// MaxPlaceCode bounds a district's or a category's code.
	MaxPlaceCode       = 64
	MaxPerCitizenLimit = 100
	MaxPaymentRef      = 200
)

// Shop is a business that takes vouchers.
type Shop struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Address  string    `json:"address"`
	District string    `json:"district"` // contrada
	Category string    `json:"category"` // e.g. "food", "books"
	IBAN     string    `json:"iban"`
	Active   bool      `json:"active"`
	Created  time.Time `json:"created_at"`
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,` + strconv.Itoa(MaxPlaceCode-1) + `}$`)

// Validate checks a shop's fields and normalises the IBAN.
func (s *Shop) Validate() error {
	s.Name = strings.TrimSpace(s.Name)
	s.Address = strings.TrimSpace(s.Address)
	s.District = PlaceCode(s.District)
	s.Category = PlaceCode(s.Category)
	if problems := s.Problems(); len(problems) > 0 {
		return problems[0]
	}
	s.IBAN, _ = NormalizeIBAN(s.IBAN)
	return nil
}

// Problems is every mistake Validate finds in the shop's fields, in the
// order it reports them, so that a form shows them all at once. It changes
// nothing: the fields are judged as Validate reads them.
func (s Shop) Problems() []error {
	var out []error
	if name := strings.TrimSpace(s.Name); name == "" || utf8.RuneCountInString(name) > MaxShopName || !plaintext.Line(name) {
		out = append(out, apperr.R(apperr.Invalid, "shop_name", "A shop needs a name of 1 to %d characters, one line without control characters.", MaxShopName))
	}
	if addr := strings.TrimSpace(s.Address); addr == "" || utf8.RuneCountInString(addr) > MaxShopAddress || !plaintext.Line(addr) {
		out = append(out, apperr.R(apperr.Invalid, "shop_address", "A shop needs an address of 1 to %d characters, one line without control characters.", MaxShopAddress))
	}
	if !slugRE.MatchString(PlaceCode(s.District)) {
		out = append(out, apperr.R(apperr.Invalid, "shop_district", "The district must be named with letters or digits, at most %d (spaces and punctuation are kept as -).", MaxPlaceCode))
	}
	if !slugRE.MatchString(PlaceCode(s.Category)) {
		out = append(out, apperr.R(apperr.Invalid, "shop_category", "The category must be named with letters or digits, at most %d (spaces and punctuation are kept as -).", MaxPlaceCode))
	}
	if _, err := NormalizeIBAN(s.IBAN); err != nil {
		out = append(out, err)
	}
	return out
}

// NormalizeIBAN removes spaces, upper-cases and checks an IBAN's shape and
// its ISO 13616 mod-97 check digits. Invalid (reason iban) otherwise.
func NormalizeIBAN(s string) (string, error) {
	iban := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	bad := apperr.R(apperr.Invalid, "iban", "The IBAN is not valid: check it against the bank's document.")
	if len(iban) < 15 || len(iban) > 34 {
		return "", bad
	}
	for i, r := range iban {
		letter := r >= 'A' && r <= 'Z'
		digit := r >= '0' && r <= '9'
		if (i < 2 && !letter) || (i >= 2 && i < 4 && !digit) || (!letter && !digit) {
			return "", bad
		}
	}
	if iban[:2] == "IT" && len(iban) != 27 {
		return "", bad
	}
	var sb strings.Builder
	for _, r := range iban[4:] + iban[:4] {
		if r >= 'A' && r <= 'Z' {
			fmt.Fprintf(&sb, "%d", r-'A'+10)
		} else {
			sb.WriteRune(r)
		}
	}
	n, ok := new(big.Int).SetString(sb.String(), 10)
	if !ok || new(big.Int).Mod(n, big.NewInt(97)).Int64() != 1 {
		return "", bad
	}
	return iban, nil
}

// Campaign status.
const (
	StatusDraft  = "draft"  // being prepared; nobody can claim
	StatusOpen   = "open"   // citizens claim, shops redeem
	StatusPaused = "paused" // no new claims; vouchers already claimed still redeem
	StatusClosed = "closed" // over: no claims, no redemptions
)

// CampaignStatuses are every status a campaign can have.
var CampaignStatuses = []string{StatusDraft, StatusOpen, StatusPaused, StatusClosed}

// Voucher modes.
const (
	ModeSingleUse = "single_use" // one redemption; any unspent value is forfeited
	ModePartial   = "partial"    // spendable in parts until nothing is left
)

// Campaign is a city-funded batch of vouchers.
type Campaign struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Lang is the language Name and Description are written in: "it" or
	// "en", Italian when not given (Validate); empty only for a campaign
	// made before it was asked. Pages mark the texts with it, so that a
	// screen reader reads an Italian name on an English page in Italian.
	Lang        string `json:"lang,omitempty"`
	BudgetCents int64  `json:"budget_cents"`
	// FaceValueCents is the value of each voucher. With PercentOff set, the
	// voucher takes PercentOff % off a purchase, at most FaceValueCents in all.
	FaceValueCents  int64     `json:"face_value_cents"`
	PercentOff      int       `json:"percent_off,omitempty"`
	MinSpendCents   int64     `json:"min_spend_cents"`
	PerCitizenLimit int       `json:"per_citizen_limit"`
	ValidFrom       time.Time `json:"valid_from"`
	ValidUntil      time.Time `json:"valid_until"` // exclusive
	Districts       []string  `json:"districts"`
	Categories      []string  `json:"categories"`
	ShopIDs         []string  `json:"shop_ids"`
	Mode            string    `json:"mode"`
	Status          string    `json:"status"`
	Created         time.Time `json:"created_at"`
}

// Validate checks a campaign's fields.
func (c *Campaign) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Mode == "" {
		c.Mode = ModeSingleUse
	}
	if c.Lang == "" {
		c.Lang = identity.Locales[0]
	}
	if problems := c.Problems(); len(problems) > 0 {
		return problems[0]
	}
	for _, list := range []*[]string{&c.Districts, &c.Categories} {
		norm := make([]string, 0, len(*list))
		for _, v := range *list {
			norm = append(norm, PlaceCode(v))
		}
		slices.Sort(norm)
		*list = slices.Compact(norm)
	}
	if c.ShopIDs == nil {
		c.ShopIDs = []string{}
	}
	slices.Sort(c.ShopIDs)
	c.ShopIDs = slices.Compact(c.ShopIDs)
	return nil
}

// Problems is every mistake Validate finds in the campaign's fields, in
// the order it reports them, at most one a field, so that a form shows
// them all at once. It changes nothing: the name is judged trimmed and an
// empty mode as single use, as Validate takes them. The face value is
// held to the budget only when the budget is right.
func (c Campaign) Problems() []error {
	var out []error
	if name := strings.TrimSpace(c.Name); name == "" || utf8.RuneCountInString(name) > MaxCampaignName || !plaintext.Line(name) {
		out = append(out, apperr.R(apperr.Invalid, "campaign_name", "A campaign needs a name of 1 to %d characters, one line without control characters.", MaxCampaignName))
	}
	if utf8.RuneCountInString(c.Description) > MaxCampaignDescription || !plaintext.Lines(c.Description) {
		out = append(out, apperr.R(apperr.Invalid, "campaign_description", "The description must be at most %d characters, without control characters.", MaxCampaignDescription))
	}
	if c.Lang != "" && !slices.Contains(identity.Locales, c.Lang) {
		out = append(out, apperr.R(apperr.Invalid, "campaign_lang", "The language of the name and description must be one of %s.", strings.Join(identity.Locales, ", ")))
	}
	// The bound as an amount, which the pages write as their language
	// writes money.
	budgetOK := c.BudgetCents > 0 && c.BudgetCents <= MaxCents
	if !budgetOK {
		out = append(out, apperr.R(apperr.Invalid, "budget", "The budget must be a positive whole number of cents, at most %s.", money.Cents(MaxCents)))
	}
	if c.FaceValueCents <= 0 || c.FaceValueCents > MaxCents || budgetOK && c.FaceValueCents > c.BudgetCents {
		out = append(out, apperr.R(apperr.Invalid, "face_value", "The face value must be positive and at most the budget."))
	}
	if c.PercentOff < 0 || c.PercentOff > 100 {
		out = append(out, apperr.R(apperr.Invalid, "percent_off", "The percentage must be between 1 and 100 (0 for a fixed amount)."))
	}
	if c.MinSpendCents < 0 || c.MinSpendCents > MaxCents {
		out = append(out, apperr.R(apperr.Invalid, "min_spend", "The minimum spend must be zero or a positive number of cents, at most %s.", money.Cents(MaxCents)))
	}
	if c.PerCitizenLimit < 1 || c.PerCitizenLimit > MaxPerCitizenLimit {
		out = append(out, apperr.R(apperr.Invalid, "per_citizen_limit", "The per-citizen limit must be between 1 and %d.", MaxPerCitizenLimit))
	}
	switch {
	case c.ValidFrom.IsZero() || c.ValidUntil.IsZero() || !c.ValidUntil.After(c.ValidFrom):
		out = append(out, apperr.R(apperr.Invalid, "validity", "The validity window must end after it starts."))
	// Dates past year 9999 in the city's zone cannot be written as RFC
	// 3339, which every answer and export uses. The years are the city's,
	// whose zone Validate does not know: judged in the zones furthest east
	// (UTC+14) and west (UTC-12), 1 January 2000 in any zone passes, as
	// does 31 December 2999.
	case c.ValidFrom.Add(14*time.Hour).Year() < 2000 || c.ValidUntil.Add(-12*time.Hour).Year() > 2999:
		out = append(out, apperr.R(apperr.Invalid, "validity", "The validity window must fall between the years 2000 and 2999."))
	}
	if c.Mode != "" && c.Mode != ModeSingleUse && c.Mode != ModePartial {
		out = append(out, apperr.R(apperr.Invalid, "mode", "The mode must be %q or %q.", ModeSingleUse, ModePartial))
	}
	// Bounded as sent, before duplicates are dropped: a list of thousands
	// of one name is refused, not sorted and read whole first.
	if len(c.Districts)+len(c.Categories)+len(c.ShopIDs) > maxEligibility {
		return append(out, errTooManyEligibility)
	}
	for _, v := range slices.Concat(c.Districts, c.Categories) {
		if !slugRE.MatchString(PlaceCode(v)) {
			return append(out, apperr.R(apperr.Invalid, "eligibility", "Each district and category must be named with letters or digits, at most %d (spaces and punctuation are kept as -), and at most %d of them and shops together.", MaxPlaceCode, maxEligibility))
		}
	}
	return out
}

// maxEligibility bounds a campaign's districts, categories and shops
// together.
const maxEligibility = 500

// Its values are those of the refusal of a district's or category's code,
// the two bounds, so that the pages' one set of words names both.
var errTooManyEligibility = apperr.R(apperr.Invalid, "eligibility", "Too many eligibility entries (at most %[2]d districts, categories and shops together; each code at most %[1]d).", MaxPlaceCode, maxEligibility)

// Eligible reports whether vouchers of c can be spent at shop. An explicit
// shop list admits its shops; districts and categories, when given, admit
// shops that match both; a campaign with none of these admits every shop.
func (c Campaign) Eligible(shop Shop) bool {
	if !shop.Active {
		return false
	}
	if slices.Contains(c.ShopIDs, shop.ID) {
		return true
	}
	if len(c.Districts) == 0 && len(c.Categories) == 0 {
		return len(c.ShopIDs) == 0
	}
	return (len(c.Districts) == 0 || slices.Contains(c.Districts, shop.District)) &&
		(len(c.Categories) == 0 || slices.Contains(c.Categories, shop.Category))
}

// Discount is what a voucher with remaining value takes off a purchase.
func (c Campaign) Discount(purchase, remaining int64) int64 {
	d := purchase
	if c.PercentOff > 0 {
		d = purchase * int64(c.PercentOff) / 100
	}
	return min(d, remaining)
}

// Voucher status.
const (
	VoucherActive  = "active"
	VoucherUsed    = "used"
	VoucherExpired = "expired" // derived: past the campaign's validity
)

// Voucher is one citizen's claim on a campaign.
type Voucher struct {
	ID             string    `json:"id"`
	CampaignID     string    `json:"campaign_id"`
	AccountID      string    `json:"-"`
	ValueCents     int64     `json:"value_cents"`
	RemainingCents int64     `json:"remaining_cents"`
	Status         string    `json:"status"`
	Code           string    `json:"-"` // typed code, shown only to its holder
	CodeHash       string    `json:"-"`
	ClaimedAt      time.Time `json:"claimed_at"`
	ExpiresAt      time.Time `json:"expires_at"`
	// HolderWorksHere says whether the holder is staff (a merchant grant)
	// of the shop a redemption target was read for. Only the redemption
	// targets (RedemptionTarget, RedemptionTargetByCode, ReadRedemptionBatch)
	// and the till's preview fill it, for their shop: staffVoucher judges
	// it. Any other read leaves it false; it is never written.
	HolderWorksHere bool `json:"-"`
}

// Redemption is one use of a voucher at a shop.
type Redemption struct {
	ID            string     `json:"id"`
	VoucherID     string     `json:"voucher_id"`
	CampaignID    string     `json:"campaign_id"`
	ShopID        string     `json:"shop_id"`
	PurchaseCents int64      `json:"purchase_cents"`
	AmountCents   int64      `json:"amount_cents"` // what the voucher paid, owed to the shop
	StaffID       string     `json:"staff_id"`
	Device        string     `json:"device,omitempty"`
	At            time.Time  `json:"at"`
	ReversedAt    *time.Time `json:"reversed_at,omitempty"`
	ReversedBy    string     `json:"reversed_by,omitempty"`
	SettlementID  string     `json:"settlement_id,omitempty"`
}

// Reversible says whether the shop may still reverse r at now: not
// reversed, on no statement, and within ReversalWindow (Reverse's rule).
func (r Redemption) Reversible(now time.Time) bool { return r.ReversalRefusal(now) == nil }

// ReversalRefusal is why the shop may not reverse r at now (Conflict:
// already_reversed, already_settled, reversal_window_passed), or nil.
func (r Redemption) ReversalRefusal(now time.Time) error {
	switch {
	case r.ReversedAt != nil:
		return apperr.R(apperr.Conflict, "already_reversed", "This redemption was already reversed.")
	case r.SettlementID != "":
		return apperr.R(apperr.Conflict, "already_settled", "This redemption is on a statement already and cannot be reversed.")
	case now.Sub(r.At) > ReversalWindow:
		return apperr.R(apperr.Conflict, "reversal_window_passed", "A redemption can be reversed only within %d minutes.", int(ReversalWindow.Minutes()))
	}
	return nil
}

// Settlement status.
const (
	SettlementClosed = "closed" // statement issued, not paid yet
	SettlementPaid   = "paid"
)

// Settlement is one shop's statement for a period; its id is the batch id.
type Settlement struct {
	ID         string     `json:"id"`
	ShopID     string     `json:"shop_id"`
	PeriodEnd  time.Time  `json:"period_end"`
	Count      int        `json:"count"`
	TotalCents int64      `json:"total_cents"`
	Status     string     `json:"status"`
	ClosedAt   time.Time  `json:"closed_at"`
	ClosedBy   string     `json:"closed_by"`
	PaidAt     *time.Time `json:"paid_at,omitempty"`
	PaymentRef string     `json:"payment_ref,omitempty"`
	// ShopName and IBAN are the payee when the statement was closed: the
	// statement shows them (Statement.Shop), whatever the shop's record
	// says later.
	ShopName string `json:"-"`
	IBAN     string `json:"-"`
}

// Statement is a settlement with its lines.
type Statement struct {
	Settlement
	Shop  Shop         `json:"shop"`
	Lines []Redemption `json:"lines"`
	// zone is the city's, for WriteStatementCSV's times; the service that
	// reads the statement sets it.
	zone *time.Location
}

// ParseDay reads a validity bound: a date (2026-12-01, a day in the city's
// zone) or an RFC 3339 instant. endOfDay makes a date mean the end of that
// day, so a window "2026-12-01 to 2026-12-31" includes the 31st. Errors:
// Invalid.
func (s *Service) ParseDay(day string, endOfDay bool) (time.Time, error) {
	return parseDay(day, endOfDay, s.zone)
}

func parseDay(s string, endOfDay bool, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, apperr.R(apperr.Invalid, "date", "%q is not a date (YYYY-MM-DD) or an RFC 3339 time.", s)
}

// dayBounds is the start and end of t's day in loc, in UTC.
func dayBounds(t time.Time, loc *time.Location) (time.Time, time.Time) {
	l := t.In(loc)
	start := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	return start.UTC(), start.AddDate(0, 0, 1).UTC()
}
