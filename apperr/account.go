package apperr

// ReasonAccountDeleted is the reason of ErrAccountDeleted.
const ReasonAccountDeleted = "account_deleted"

// ErrAccountDeleted is the answer to a person whose account was erased
// while their request was on its way: the erasure revoked their sign-in,
// so their next request is refused at the door, and this one is refused as
// if it had been (Unauthenticated), changing nothing. Every domain answers
// it alike (a top-up, a payment, a claim, an unlock, the erasure sent
// twice), so it lives here, below them all: identity, which erases, is
// above wallet, whose postings find the credit closed.
var ErrAccountDeleted = R(Unauthenticated, ReasonAccountDeleted, "This account has been deleted.")
