package mail

import "regexp"

// linkToken is a link's token in an e-mail's text or HTML: a key (to
// confirm an address, to set a password) that only the address the e-mail
// went to may hold.
var linkToken = regexp.MustCompile(`([?&](?:amp;)?token=)[^\s"'&<>]+`)

// typedCode is a ticket's or voucher's typed code (qrtoken.NewCode: 80
// bits and a check character in Crockford's base 32, in groups of four).
var typedCode = regexp.MustCompile(`\b[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}-[0-9A-HJKMNP-TV-Z]\b`)

// Hidden stands for a secret hidden from an e-mail's reader.
const Hidden = "[hidden]"

// WithoutLinkTokens is m with every link's token hidden: m as someone may
// read it who is not at the address it went to, or not any more (the
// person's own data download holds the e-mail confirming a new address,
// whose link would confirm it without that address's mailbox).
func WithoutLinkTokens(m Message) Message {
	m.Text = linkToken.ReplaceAllString(m.Text, "${1}"+Hidden)
	m.HTML = linkToken.ReplaceAllString(m.HTML, "${1}"+Hidden)
	return m
}

// WithoutSecrets is WithoutLinkTokens with the typed codes of tickets and
// vouchers hidden too: m as an administrator reads it in the outbox.
func WithoutSecrets(m Message) Message {
	m = WithoutLinkTokens(m)
	m.Text = typedCode.ReplaceAllString(m.Text, Hidden)
	m.HTML = typedCode.ReplaceAllString(m.HTML, Hidden)
	return m
}
