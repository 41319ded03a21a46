package identity

import (
	"fmt"
	"testing"
	"time"
)

// TestVerifiedTokensStayBounded: when maxVerifiedTokens are kept, the
// expired ones make room; with none expired, a new token is not kept.
func TestVerifiedTokensStayBounded(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var v verifiedTokens
	for i := range maxVerifiedTokens {
		v.put(fmt.Sprint("old-", i), verifiedToken{subject: "acc", expires: now.Add(15 * time.Minute)}, now)
	}
	v.put("fresh", verifiedToken{subject: "acc_new", expires: now.Add(15 * time.Minute)}, now)
	if _, ok := v.get("fresh", now); ok || len(v.m) != maxVerifiedTokens {
		t.Fatalf("full of unexpired tokens: a new one was kept (%d kept)", len(v.m))
	}
	// The look for expired ones waits a minute after the last.
	later := now.Add(time.Hour)
	v.swept = later.Add(-30 * time.Second)
	v.put("fresh", verifiedToken{subject: "acc_new", expires: later.Add(15 * time.Minute)}, later)
	if _, ok := v.get("fresh", later); ok || len(v.m) != maxVerifiedTokens {
		t.Fatalf("looked for expired tokens within a minute of the last look (%d kept)", len(v.m))
	}
	v.swept = later.Add(-time.Minute)
	v.put("fresh", verifiedToken{subject: "acc_new", expires: later.Add(15 * time.Minute)}, later)
	if kept, ok := v.get("fresh", later); !ok || kept.subject != "acc_new" || len(v.m) != 1 {
		t.Fatalf("the expired tokens did not make room: %q %v, %d kept", kept.subject, ok, len(v.m))
	}
}
