// Package audit is the append-only record of who did what to money and
// security-relevant objects (claims, redemptions, reversals, settlements,
// logins). Entries are written in the same transaction as the action they
// record, so the log never claims an action that did not commit. It must never
// offer a way to change or delete an entry.
package audit

import (
	"context"
	"time"
)

// Entry is one line of the audit log.
type Entry struct {
	ID         int64          `json:"id"`
	At         time.Time      `json:"at"`
	ActorID    string         `json:"actor_id"`
	Action     string         `json:"action"` // e.g. "voucher.redeem"
	ObjectType string         `json:"object_type"`
	ObjectID   string         `json:"object_id"`
	ShopID     string         `json:"shop_id,omitempty"`
	Device     string         `json:"device,omitempty"`
	IP         string         `json:"ip,omitempty"`
	Detail     map[string]any `json:"detail,omitempty"`
}

// Filter selects entries; zero fields match everything.
type Filter struct {
	Action     string
	ObjectType string
	// ObjectTypes, when set, matches entries of any of these types.
	ObjectTypes []string
	ObjectID    string
	ShopID      string
	Since       time.Time
	AfterID     int64 // cursor: entries with a larger id
	Limit       int
}

// Tx appends inside a store transaction.
type Tx interface {
	AppendAudit(ctx context.Context, e Entry) error
	ListAudit(ctx context.Context, f Filter) ([]Entry, error)
}

// Origin is where a request came from, carried in the context from the edge so
// domains can record it without knowing HTTP.
type Origin struct {
	IP     string
	Device string
}

type originKey struct{}

// WithOrigin returns ctx carrying o.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginFrom returns the origin carried by ctx, or the zero Origin.
func OriginFrom(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}
