package wallet

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// TransactionIDPrefix starts every transaction id made from its key. Ids
// posted before ids were made from keys start with "ltx_" instead, and are
// random.
const TransactionIDPrefix = "ltk_"

// TransactionIDFor is the id of the transaction posted with key: the first
// 128 bits of the key's SHA-256, so a key has one id and two keys never
// share one. The key's uniqueness is then the id's, and the store needs
// one unique index for both: the id, which every entry names, is the key
// (the PostgreSQL store keeps a unique index of the keys only for the
// transactions posted before, migration 1021). The hash tells nothing
// that the id did not: a key names what the posting pays for (a voucher,
// an order, a top-up), never a secret.
func TransactionIDFor(key string) string {
	sum := sha256.Sum256([]byte(key))
	return TransactionIDPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
}
