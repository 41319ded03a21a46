package vouchers

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/csvcell"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/money"
	"cityhub/paging"
	"cityhub/plaintext"
	"cityhub/wallet"
)

// EarliestPeriodEnd is the earliest end a settlement period may be given:
// no redemption is older than the hub, and an end before it (the zero time
// a client wrote as "0001-01-01T00:00:00Z") is a mistake, which must not
// be read as "up to now" and settle everything.
var EarliestPeriodEnd = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// checkPeriodEnd refuses (Invalid, period_end) a settlement period's end
// before EarliestPeriodEnd, the zero time included.
func checkPeriodEnd(end time.Time) error {
	if end.Before(EarliestPeriodEnd) {
		return apperr.R(apperr.Invalid, "period_end", "A settlement period cannot end before %s.", EarliestPeriodEnd.Format(time.DateOnly))
	}
	return nil
}

// CloseSettlement closes a settlement period for one shop: every unreversed,
// unsettled redemption made before periodEnd (now when nil) and older than
// ReversalWindow goes on one statement whose id is the batch id. A
// redemption is on at most one statement. Money moves when the statement is
// paid (MarkPaid). A replay of key returns the first statement. Invalid
// (period_end) for a period end in the future or before
// EarliestPeriodEnd (the zero time included: only nil means "now");
// Invalid (missing_field) without a shop; Conflict (nothing_to_settle);
// NotFound for an unknown shop.
func (s *Service) CloseSettlement(ctx context.Context, c identity.Caller, key, shopID string, end *time.Time) (Settlement, bool, error) {
	return s.CloseSettlementAsShown(ctx, c, key, shopID, end, SettlementShown{})
}

// SettlementShown is what an administrator was shown before confirming a
// close (DueSettlement's figures): the close settles exactly that or
// nothing. A zero field is not checked.
type SettlementShown struct {
	// IBAN is the payee shown; the shop's IBAN may have been changed
	// since, and a statement must not pay an account nobody confirmed.
	IBAN string
	// Count and TotalCents are the redemptions shown for the period
	// (nil: not checked). The period's end alone does not fix them: a
	// close of the same shop meanwhile (another administrator's, the
	// API's) may have settled some or all of them.
	Count      *int
	TotalCents *int64
}

// request is what of s the idempotency key's request records: only what
// was given, so a close without expectations is the request it always was.
func (w SettlementShown) request(req map[string]string) {
	if w.IBAN != "" {
		req["iban"] = w.IBAN
	}
	if w.Count != nil {
		req["count"] = strconv.Itoa(*w.Count)
	}
	if w.TotalCents != nil {
		req["total_cents"] = strconv.FormatInt(*w.TotalCents, 10)
	}
}

// differs says how st, about to be closed, differs from what was shown;
// "" when it does not.
func (w SettlementShown) differs(st Settlement) string {
	var diffs []string
	if w.IBAN != "" && w.IBAN != st.IBAN {
		diffs = append(diffs, fmt.Sprintf("the IBAN is now %s", st.IBAN))
	}
	if (w.Count != nil && *w.Count != st.Count) || (w.TotalCents != nil && *w.TotalCents != st.TotalCents) {
		diffs = append(diffs, fmt.Sprintf("the period now holds %d redemptions for %s", st.Count, money.Cents(st.TotalCents).Decimal()))
	}
	return strings.Join(diffs, "; ")
}

// CloseSettlementAsShown is CloseSettlement of a close confirmed on what
// shown says: when the shop's IBAN, or the redemptions the period holds,
// are no longer what was shown, it is Conflict (settlement_changed) and
// nothing is settled, for the administrator to look at the new figures.
// The comparison is made in the close's transaction, with the IBAN the
// statement is written with: a statement never names an IBAN other than
// the one confirmed. Invalid (iban) for an expected IBAN that is not one.
func (s *Service) CloseSettlementAsShown(ctx context.Context, c identity.Caller, key, shopID string, end *time.Time, shown SettlementShown) (Settlement, bool, error) {
	if err := requireAdmin(c); err != nil {
		return Settlement{}, false, err
	}
	if err := idem.ValidateKey(key); err != nil {
		return Settlement{}, false, err
	}
	if shopID == "" {
		// Named, so that a request that left it out is told so rather
		// than that a shop of no id does not exist.
		return Settlement{}, false, apperr.R(apperr.Invalid, "missing_field", "The field \"shop_id\" is required.")
	}
	now := s.now()
	// The request as the client sent it: "up to now" stays "now", so a
	// retry a moment later is the same request.
	requested, periodEnd := "now", now
	if end != nil {
		if err := checkPeriodEnd(*end); err != nil {
			return Settlement{}, false, err
		}
		if end.After(now) {
			return Settlement{}, false, apperr.R(apperr.Invalid, "period_end", "A settlement period cannot end in the future.")
		}
		requested, periodEnd = end.UTC().Format(time.RFC3339Nano), *end
	}
	if shown.IBAN != "" {
		// As the shop's IBAN is kept: spacing and case do not make
		// another account.
		iban, err := NormalizeIBAN(shown.IBAN)
		if err != nil {
			return Settlement{}, false, err
		}
		shown.IBAN = iban
	}
	upTo := periodEnd
	if cut := now.Add(-ReversalWindow); upTo.After(cut) {
		upTo = cut
	}
	var out Settlement
	var replayed bool
	err := s.store.InTx(ctx, func(tx Tx) error {
		req := map[string]string{"shop_id": shopID, "period_end": requested}
		shown.request(req)
		var err error
		out, replayed, err = idem.Do(ctx, tx, "voucher.settle.close", key, req, func() (Settlement, error) {
			shop, err := tx.Shop(ctx, shopID)
			if err != nil {
				return Settlement{}, shopNotFound(err)
			}
			st := Settlement{ID: ids.New("stl"), ShopID: shopID, PeriodEnd: upTo.UTC(), Status: SettlementClosed, ClosedAt: now.UTC(), ClosedBy: c.AccountID,
				ShopName: shop.Name, IBAN: shop.IBAN}
			st.Count, st.TotalCents, err = tx.AssignSettlement(ctx, shopID, st.ID, upTo)
			if err != nil {
				return Settlement{}, fmt.Errorf("assign redemptions: %w", err)
			}
			// Before nothing_to_settle: a period emptied by another
			// close since the page is a change of what was shown.
			if d := shown.differs(st); d != "" {
				// The transaction rolls back the redemptions' assignment.
				return Settlement{}, apperr.R(apperr.Conflict, "settlement_changed", "The settlement changed since it was shown (%s): nothing was settled; look at it again.", d)
			}
			if st.Count == 0 {
				return Settlement{}, apperr.R(apperr.Conflict, "nothing_to_settle", "This shop has no redemptions to settle in the period.")
			}
			if err := tx.InsertSettlement(ctx, st); err != nil {
				return Settlement{}, fmt.Errorf("insert settlement: %w", err)
			}
			// The IBAN the statement is to be paid to: what an auditor
			// traces the payment by, whatever the shop's is later.
			err = s.audit(ctx, tx, c, "voucher.settle.close", "settlement", st.ID, shopID, map[string]any{"count": st.Count, "total_cents": st.TotalCents, "iban": st.IBAN})
			return st, err
		})
		return err
	})
	return out, replayed, err
}

// SettlementDue is what closing a shop's settlement period now would put
// on its statement, shown before the administrator confirms the close.
type SettlementDue struct {
	Shop Shop `json:"shop"`
	// PeriodEnd is where the period closed now ends: now less the
	// reversal window. Passed back to CloseSettlement, it settles exactly
	// Count redemptions, whenever the close is confirmed.
	PeriodEnd  time.Time `json:"period_end"`
	Count      int       `json:"count"`
	TotalCents int64     `json:"total_cents"`
	// RecentCount and RecentCents are the redemptions still inside the
	// reversal window: not on this statement, settled by a later one.
	RecentCount int   `json:"recent_count"`
	RecentCents int64 `json:"recent_cents"`
}

// DueSettlement reports what CloseSettlement would settle for a shop now,
// without settling it. City administrators; NotFound for an unknown shop.
func (s *Service) DueSettlement(ctx context.Context, c identity.Caller, shopID string) (SettlementDue, error) {
	if err := requireAdmin(c); err != nil {
		return SettlementDue{}, err
	}
	now := s.now()
	due := SettlementDue{PeriodEnd: now.Add(-ReversalWindow)}
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		if due.Shop, err = tx.Shop(ctx, shopID); err != nil {
			return shopNotFound(err)
		}
		if due.Count, due.TotalCents, err = tx.UnsettledTotals(ctx, shopID, due.PeriodEnd); err != nil {
			return fmt.Errorf("due redemptions: %w", err)
		}
		// Everything unsettled up to a moment from now, so a redemption
		// stamped with this very instant counts as recent too.
		n, total, err := tx.UnsettledTotals(ctx, shopID, now.Add(time.Second))
		if err != nil {
			return fmt.Errorf("recent redemptions: %w", err)
		}
		due.RecentCount, due.RecentCents = n-due.Count, total-due.TotalCents
		return nil
	})
	return due, err
}

// MarkPaid records that the city paid a statement: the total moves from the
// shop's payable to its paid account, once per batch id. A replay of key
// returns the first result; paying a batch again under another key is
// Conflict (already_paid).
func (s *Service) MarkPaid(ctx context.Context, c identity.Caller, key, settlementID, paymentRef string) (Settlement, bool, error) {
	if err := requireAdmin(c); err != nil {
		return Settlement{}, false, err
	}
	if err := idem.ValidateKey(key); err != nil {
		return Settlement{}, false, err
	}
	paymentRef = strings.TrimSpace(paymentRef)
	// Characters, as the form's maxlength counts them, not bytes: a
	// reference in accented letters fits the form and must fit here.
	// A payment with no reference could not be found in the bank's
	// statement: one is required.
	if paymentRef == "" || utf8.RuneCountInString(paymentRef) > MaxPaymentRef || !plaintext.Line(paymentRef) {
		return Settlement{}, false, apperr.R(apperr.Invalid, "payment_ref", "The payment reference is one line of 1 to %d characters.", MaxPaymentRef)
	}
	var out Settlement
	var replayed bool
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		out, replayed, err = idem.Do(ctx, tx, "voucher.settle.pay", key, map[string]string{"settlement_id": settlementID, "payment_ref": paymentRef}, func() (Settlement, error) {
			st, err := tx.LockSettlement(ctx, settlementID)
			if apperr.Has(err, apperr.NotFound) {
				return Settlement{}, apperr.R(apperr.NotFound, "settlement_not_found", "No such settlement.")
			}
			if err != nil {
				return Settlement{}, err
			}
			if st.Status == SettlementPaid {
				return Settlement{}, apperr.R(apperr.Conflict, "already_paid", "This batch was already paid.")
			}
			now := s.now()
			_, err = wallet.Post(ctx, tx, wallet.Transaction{
				Key: "voucher.settle:" + st.ID, Kind: "voucher.settle", RefType: "settlement", RefID: st.ID, Memo: paymentRef,
				Entries: []wallet.Entry{
					{Account: wallet.ShopPayableAccount(st.ShopID), Amount: -st.TotalCents},
					{Account: wallet.ShopPaidAccount(st.ShopID), Amount: st.TotalCents},
				},
			}, now)
			if err != nil {
				return Settlement{}, fmt.Errorf("pay shop: %w", err)
			}
			if err := tx.MarkSettlementPaid(ctx, st.ID, now.UTC(), paymentRef); err != nil {
				return Settlement{}, fmt.Errorf("mark paid: %w", err)
			}
			at := now.UTC()
			st.Status, st.PaidAt, st.PaymentRef = SettlementPaid, &at, paymentRef
			err = s.audit(ctx, tx, c, "voucher.settle.pay", "settlement", st.ID, st.ShopID, map[string]any{"total_cents": st.TotalCents, "payment_ref": paymentRef})
			return st, err
		})
		return err
	})
	return out, replayed, err
}

// ShopStatement is Statement for staff of shopID: NotFound
// (settlement_not_found) unless the statement is that shop's, so staff of
// several shops read the one they named, never another of theirs by
// mistake. Forbidden unless the caller is staff of shopID.
func (s *Service) ShopStatement(ctx context.Context, c identity.Caller, shopID, id string) (Statement, error) {
	if err := requireMerchant(c, shopID); err != nil {
		return Statement{}, err
	}
	st, err := s.Statement(ctx, c, id)
	if err == nil && st.ShopID != shopID {
		return Statement{}, apperr.R(apperr.NotFound, "settlement_not_found", "No such settlement.")
	}
	return st, err
}

// Statement returns one statement with its lines. NotFound when it is not
// the caller's shop's (whether or not it exists), unless the caller is a city
// administrator.
func (s *Service) Statement(ctx context.Context, c identity.Caller, id string) (Statement, error) {
	st := Statement{zone: s.zone}
	err := s.store.View(ctx, func(tx Tx) error {
		set, err := tx.Settlement(ctx, id)
		if err != nil || requireShopOrAdmin(c, set.ShopID) != nil {
			if err == nil || apperr.Has(err, apperr.NotFound) {
				return apperr.R(apperr.NotFound, "settlement_not_found", "No such settlement.")
			}
			return err
		}
		st.Settlement = set
		if st.Shop, err = tx.Shop(ctx, set.ShopID); err != nil {
			return err
		}
		// The payee as the statement was closed: a later change of the
		// shop's IBAN does not rewrite what was, or is to be, paid.
		if set.IBAN != "" {
			st.Shop.Name, st.Shop.IBAN = set.ShopName, set.IBAN
		}
		st.Lines, err = tx.ListRedemptions(ctx, RedemptionFilter{SettlementID: id})
		if st.Lines == nil {
			st.Lines = []Redemption{}
		}
		return err
	})
	return st, err
}

// WriteStatementCSV writes a statement as CSV for programs (RFC 4180:
// comma, amounts in euros with a dot), one line per voucher redemption and
// nothing else, so the amount column sums to the statement's total; the
// count and the total are the statement's JSON. Times are in the city's
// zone with its offset (UTC for a statement not read through a Service).
func WriteStatementCSV(w io.Writer, st Statement) error {
	return writeStatementCSV(w, st, false)
}

// WriteStatementSpreadsheet writes the statement's CSV for people who open
// it in a spreadsheet set to the city's (Italian) conventions: a UTF-8 byte
// order mark, so that Excel reads the accented names as UTF-8; semicolons
// between cells and a decimal comma, as Excel reads a file in a locale whose
// numbers have one; and local times without an offset (2026-12-07
// 13:10:05), which a spreadsheet reads as times and not as text, the zone
// named in the header instead. The lines are those of WriteStatementCSV.
func WriteStatementSpreadsheet(w io.Writer, st Statement) error {
	return writeStatementCSV(w, st, true)
}

func writeStatementCSV(w io.Writer, st Statement, sheet bool) error {
	zone := st.zone
	if zone == nil {
		zone = time.UTC
	}
	cw := csv.NewWriter(w)
	at, amount := func(t time.Time) string { return t.In(zone).Format(time.RFC3339) }, euros
	timeCol, periodCol := "time", "period_end"
	if sheet {
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
		cw.Comma = ';'
		at = func(t time.Time) string { return t.In(zone).Format(time.DateTime) }
		amount = func(cents int64) string { return money.Cents(cents).Input(money.Italian) }
		timeCol, periodCol = "time ("+zone.String()+")", "period_end ("+zone.String()+")"
	}
	_ = cw.Write([]string{"batch_id", "shop_id", "shop_name", "iban", "redemption_id", "voucher_id", timeCol, "amount_eur", periodCol})
	name, iban, end := csvcell.Text(st.Shop.Name), csvcell.Text(st.Shop.IBAN), at(st.PeriodEnd)
	for _, l := range st.Lines {
		_ = cw.Write([]string{st.ID, st.ShopID, name, iban, l.ID, l.VoucherID, at(l.At), amount(l.AmountCents), end})
	}
	cw.Flush()
	return cw.Error()
}

// euros is cents as the decimal the CSV files carry: "12.50".
func euros(cents int64) string { return money.Cents(cents).Decimal() }

// MaxAuditPage bounds a page of the voucher scheme's audit log.
const MaxAuditPage = 1000

// auditTypes are the objects whose entries make the voucher scheme's log.
var auditTypes = []string{"voucher", "settlement", "campaign", "shop"}

// AuditQuery selects entries of the voucher scheme's audit log.
type AuditQuery struct {
	Since  time.Time // only entries at or after it; zero: from the first
	ShopID string    // only this shop's; empty: every shop's and none
	// Cursor is the Next of the page before; empty: from the oldest.
	Cursor string
	Limit  int // 1 to MaxAuditPage; 0: MaxAuditPage
}

// AuditPage is one page of the log, oldest first.
type AuditPage struct {
	Entries []audit.Entry `json:"entries"`
	// Next is the cursor of the following page; empty when no entry
	// follows this one's last, however full it is.
	Next string `json:"next_cursor,omitempty"`
}

// Audit gives a city administrator one page of the voucher scheme's audit
// log (claims, redemptions, reversals, settlements, campaign and shop
// changes), oldest first. A city's log holds an entry for every claim and
// redemption of every campaign: it is read a page at a time, never whole.
// Invalid for a bad cursor or limit.
func (s *Service) Audit(ctx context.Context, c identity.Caller, q AuditQuery) (AuditPage, error) {
	if err := requireAdmin(c); err != nil {
		return AuditPage{}, err
	}
	if q.Limit == 0 {
		q.Limit = MaxAuditPage
	}
	if err := paging.CheckLimit(q.Limit, MaxAuditPage); err != nil {
		return AuditPage{}, err
	}
	if q.Cursor != "" {
		if after, err := strconv.ParseInt(q.Cursor, 10, 64); err != nil || after < 0 {
			return AuditPage{}, apperr.R(apperr.Invalid, "bad_cursor", "This cursor was not given by the audit log.")
		}
	}
	page := AuditPage{Entries: []audit.Entry{}}
	err := s.store.View(ctx, func(tx Tx) error {
		// The stores read at most MaxAuditPage entries at a time, which
		// paging.Read minds when it looks past the page for another.
		es, next, err := paging.Read(q.Cursor, q.Limit, MaxAuditPage, func(cursor string, n int) ([]audit.Entry, error) {
			f := audit.Filter{ObjectTypes: auditTypes, ShopID: q.ShopID, Since: q.Since, Limit: n}
			if cursor != "" {
				after, err := strconv.ParseInt(cursor, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("audit log cursor %q: %w", cursor, err)
				}
				f.AfterID = after
			}
			return tx.ListAudit(ctx, f)
		}, func(e audit.Entry) string { return strconv.FormatInt(e.ID, 10) })
		if err != nil {
			return err
		}
		if es != nil {
			page.Entries = es
		}
		page.Next = next
		return nil
	})
	if err != nil {
		return AuditPage{}, fmt.Errorf("read the voucher audit log: %w", err)
	}
	return page, nil
}

// AuditCSV writes audit entries as CSV, a page after another: the header
// comes with the first.
type AuditCSV struct {
	w       io.Writer
	cw      *csv.Writer
	started bool
	// zone, when set, makes the spreadsheet's file (NewAuditSpreadsheet).
	zone *time.Location
}

// NewAuditCSV writes to w, for programs: commas, times in UTC (RFC 3339).
func NewAuditCSV(w io.Writer) *AuditCSV { return &AuditCSV{w: w, cw: csv.NewWriter(w)} }

// NewAuditSpreadsheet writes to w for people who open the log in a
// spreadsheet, as WriteStatementSpreadsheet writes a statement: a UTF-8
// byte order mark, semicolons between cells, and local times in zone
// without an offset, the zone named in the header. The lines are those of
// NewAuditCSV.
func NewAuditSpreadsheet(w io.Writer, zone *time.Location) *AuditCSV {
	if zone == nil {
		zone = time.UTC
	}
	a := &AuditCSV{w: w, cw: csv.NewWriter(w), zone: zone}
	a.cw.Comma = ';'
	return a
}

// Write writes es (and, the first time, the header) and flushes them.
func (a *AuditCSV) Write(es []audit.Entry) error {
	at := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	timeCol := "time"
	if a.zone != nil {
		at = func(t time.Time) string { return t.In(a.zone).Format(time.DateTime) }
		timeCol = "time (" + a.zone.String() + ")"
	}
	if !a.started {
		a.started = true
		if a.zone != nil {
			if _, err := io.WriteString(a.w, "\ufeff"); err != nil {
				return err
			}
		}
		_ = a.cw.Write([]string{"id", timeCol, "actor_id", "action", "object_type", "object_id", "shop_id", "device", "ip", "detail"})
	}
	for _, e := range es {
		detail := ""
		if len(e.Detail) > 0 {
			keys := make([]string, 0, len(e.Detail))
			for k := range e.Detail {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			parts := make([]string, 0, len(keys))
			for _, k := range keys {
				v := e.Detail[k]
				switch v.(type) {
				case map[string]any, []any:
					// A shop's changed fields, from and to: as JSON,
					// which says where a name with spaces ends, where
					// Go's map syntax does not.
					if b, err := json.Marshal(v); err == nil {
						v = string(b)
					}
				}
				parts = append(parts, fmt.Sprintf("%s=%v", k, v))
			}
			detail = strings.Join(parts, ";")
		}
		// The device is what the till's X-Device-Id header said, and the
		// detail may hold names people typed.
		_ = a.cw.Write([]string{strconv.FormatInt(e.ID, 10), at(e.At), csvcell.Text(e.ActorID), e.Action, e.ObjectType,
			csvcell.Text(e.ObjectID), csvcell.Text(e.ShopID), csvcell.Text(e.Device), csvcell.Text(e.IP), csvcell.Text(detail)})
	}
	a.cw.Flush()
	return a.cw.Error()
}

// WriteAuditCSV writes audit entries as CSV, with the header.
func WriteAuditCSV(w io.Writer, es []audit.Entry) error { return NewAuditCSV(w).Write(es) }
