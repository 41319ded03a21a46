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

// Voucher is what a voucher-claimed e-mail says.
type Voucher struct {
	Campaign   string
	ValueCents int64
	ExpiresAt  time.Time
}

// VoucherClaimed tells r that a voucher is in their wallet, linking to the
// voucher page.
func (c *Composer) VoucherClaimed(r Recipient, v Voucher) (Message, error) {
	return c.Compose(KindVoucherClaimed, r, "/vouchers", v, v.Campaign)
}
