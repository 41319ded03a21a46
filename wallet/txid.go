package wallet

import "strings"

// oldIDPrefix starts the random ids of the transactions posted before a
// transaction's id was its key; no key may start with it, so that no key
// can be one of those ids.
const oldIDPrefix = "ltx_"

// TransactionIDFor is the id of the transaction posted with key: the key
// itself. The key's uniqueness is then the id's, and the store needs one
// unique index for both: the id, which every entry names. (The PostgreSQL
// store keeps a unique index of the keys only for the transactions posted
// before, migration 1021.) A key names what the posting pays for, and
// keys made from ids that grow with time (most are) are written at the
// end of the index, where a hash of them would be written anywhere in it.
func TransactionIDFor(key string) string { return key }

// validKeyPrefix reports whether key may be posted: not one of the ids of
// the transactions posted before ids were keys.
func validKeyPrefix(key string) bool { return !strings.HasPrefix(key, oldIDPrefix) }
