package mail

import "time"

// TopUp is what a top-up receipt says.
type TopUp struct {
	AmountCents  int64
	BalanceCents int64
	PaymentID    string
	At           time.Time
}

// TopUpReceipt is the receipt for a card top-up credited to r's wallet,
// linking to the wallet page.
func (c *Composer) TopUpReceipt(r Recipient, t TopUp) (Message, error) {
	v := &view{lang: r.Locale}
	return c.Compose(KindTopUpReceipt, r, "/wallet", t, v.Money(t.AmountCents))
}

// Voucher is what a voucher-claimed or voucher-expiring e-mail says.
// ValueCents is the voucher's value (what is left of it, in a reminder);
// with PercentOff set the voucher takes that share of each purchase, at
// most ValueCents in all, and the e-mail says so rather than a fixed
// amount off.
type Voucher struct {
	Campaign   string
	ValueCents int64
	PercentOff int
	// MinSpendCents is the purchase the voucher needs at the till (the
	// campaign's minimum), 0 for none: the shop refuses it below that, so
	// the e-mails say it.
	MinSpendCents int64
	ExpiresAt     time.Time
}

// VoucherClaimed tells r that a voucher is in their wallet, linking to the
// voucher page.
func (c *Composer) VoucherClaimed(r Recipient, v Voucher) (Message, error) {
	return c.Compose(KindVoucherClaimed, r, "/vouchers", v, v.Campaign)
}

// ReportStatus is what a report-status e-mail says. Category is the
// category's label in the recipient's language; Note is the office's
// public note, sent as typed (the HTML body escapes it).
type ReportStatus struct {
	ReportID   string
	Category   string
	Status     string
	Note       string
	At         time.Time
	ReopenDays int
	// MergedInto is the report a duplicate was merged into, whose page
	// the e-mail links too (MergedIntoLink, set by ReportStatusChanged):
	// the problem's progress shows there from now on.
	MergedInto     string
	MergedIntoLink string
}

// ReportReceipt is what the acknowledgement of a new report says.
type ReportReceipt struct {
	ReportID string
	Category string
	At       time.Time
}

// ReportReceived acknowledges to r the report they just made, linking to
// its page, where its progress shows, and saying that each change of its
// status is e-mailed too.
func (c *Composer) ReportReceived(r Recipient, rr ReportReceipt) (Message, error) {
	return c.Compose(KindReportReceived, r, "/reports/"+rr.ReportID, rr, rr.Category)
}

// ReportStatusChanged tells r, who made a report, that its status changed,
// linking to the report's page.
func (c *Composer) ReportStatusChanged(r Recipient, s ReportStatus) (Message, error) {
	v := &view{lang: r.Locale, msgs: c.catalogs[r.Locale]}
	if v.msgs == nil {
		v.msgs = c.catalogs[Languages[0]]
	}
	if s.MergedInto != "" {
		s.MergedIntoLink = c.Link("/reports/" + s.MergedInto)
	}
	return c.Compose(KindReportStatus, r, "/reports/"+s.ReportID, s, s.Category, v.T("report_status.status."+s.Status))
}

// ProposalAnswer is what a proposal-answered e-mail says.
type ProposalAnswer struct {
	ProposalID string
	Title      string
	Answer     string
	// Own is set when the recipient wrote the proposal: "your proposal",
	// not "a proposal you follow".
	Own bool
}

// ProposalAnswered tells r, who follows a proposal, that the city answered
// it, linking to the proposal's page.
func (c *Composer) ProposalAnswered(r Recipient, a ProposalAnswer) (Message, error) {
	return c.Compose(KindProposalAnswered, r, "/proposals/"+a.ProposalID, a, a.Title)
}
