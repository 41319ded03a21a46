package postgres

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5"
)

// RoundTrip is one exchange with the server the store waited for: a
// statement (BEGIN and COMMIT included), a batch of statements sent
// together, or the preparation of a statement a connection had not seen.
type RoundTrip struct {
	// Kind is "query", "batch" or "prepare".
	Kind string
	// SQL holds the statement, or every statement of a batch in order.
	SQL []string
}

// OpenTraced is Open with every round trip of every connection told to
// trace, with the context of the call that made it. Benchmarks and tests
// count round trips with it; the hub opens its store with Open.
func OpenTraced(ctx context.Context, url string, log *slog.Logger, trace func(context.Context, RoundTrip)) (*DB, error) {
	return open(ctx, url, log, roundTripTracer{trace})
}

// roundTripTracer turns pgx's tracing hooks into RoundTrips. A batch is
// told when it ends, with all it carried.
type roundTripTracer struct {
	trace func(context.Context, RoundTrip)
}

type batchSQLKey struct{}

func (t roundTripTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	t.trace(ctx, RoundTrip{Kind: "query", SQL: []string{d.SQL}})
	return ctx
}

func (roundTripTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (roundTripTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return context.WithValue(ctx, batchSQLKey{}, &[]string{})
}

func (roundTripTracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	if sql, ok := ctx.Value(batchSQLKey{}).(*[]string); ok {
		*sql = append(*sql, d.SQL)
	}
}

func (t roundTripTracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchEndData) {
	sql, _ := ctx.Value(batchSQLKey{}).(*[]string)
	if sql == nil {
		sql = &[]string{}
	}
	t.trace(ctx, RoundTrip{Kind: "batch", SQL: *sql})
}

func (t roundTripTracer) TracePrepareStart(ctx context.Context, _ *pgx.Conn, d pgx.TracePrepareStartData) context.Context {
	t.trace(ctx, RoundTrip{Kind: "prepare", SQL: []string{d.SQL}})
	return ctx
}

func (roundTripTracer) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}
