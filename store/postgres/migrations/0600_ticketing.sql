-- Ticketing: venues, seat maps, performances, orders, seat claims, tickets.
-- Money lives in the ledger (revenue:theatre, stripe:clearing, citizen
-- credit); orders keep copies of amounts for receipts and statistics.

CREATE TABLE ticket_venues (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE ticket_seats (
    venue_id  TEXT NOT NULL REFERENCES ticket_venues (id),
    id        TEXT NOT NULL,
    section   TEXT NOT NULL,
    row_name  TEXT NOT NULL,
    number    INTEGER NOT NULL CHECK (number > 0),
    category  TEXT NOT NULL,
    ord       INTEGER NOT NULL,
    PRIMARY KEY (venue_id, id)
);

CREATE TABLE ticket_performances (
    id           TEXT PRIMARY KEY,
    venue_id     TEXT NOT NULL REFERENCES ticket_venues (id),
    title        TEXT NOT NULL,
    starts_at    TIMESTAMPTZ NOT NULL,
    prices       JSONB NOT NULL,
    sales_open   TIMESTAMPTZ NOT NULL,
    sales_close  TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    created_at   TIMESTAMPTZ NOT NULL,
    CHECK (sales_close > sales_open AND sales_close <= starts_at)
);
CREATE INDEX ticket_performances_start ON ticket_performances (starts_at);
CREATE INDEX ticket_performances_venue ON ticket_performances (venue_id);

CREATE TABLE ticket_orders (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL,
    performance_id     TEXT NOT NULL REFERENCES ticket_performances (id),
    seats              JSONB NOT NULL,
    total_cents        BIGINT NOT NULL CHECK (total_cents > 0),
    status             TEXT NOT NULL CHECK (status IN ('held', 'paid', 'refund_due', 'cancelled', 'refunded')),
    method             TEXT NOT NULL DEFAULT '',
    payment_intent_id  TEXT NOT NULL DEFAULT '',
    hold_expires_at    TIMESTAMPTZ NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    paid_at            TIMESTAMPTZ,
    transaction_id     TEXT NOT NULL DEFAULT '',
    note               TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ticket_orders_account ON ticket_orders (account_id, created_at DESC);
CREATE INDEX ticket_orders_performance ON ticket_orders (performance_id, status);

-- One live claim per seat of a performance: the primary key is what makes
-- a double sale impossible, whatever the application does.
CREATE TABLE ticket_claims (
    performance_id  TEXT NOT NULL REFERENCES ticket_performances (id),
    seat_id         TEXT NOT NULL,
    order_id        TEXT NOT NULL REFERENCES ticket_orders (id),
    state           TEXT NOT NULL CHECK (state IN ('held', 'sold')),
    expires_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (performance_id, seat_id)
);
CREATE INDEX ticket_claims_order ON ticket_claims (order_id);

CREATE TABLE tickets (
    id               TEXT PRIMARY KEY,
    order_id         TEXT NOT NULL REFERENCES ticket_orders (id),
    performance_id   TEXT NOT NULL REFERENCES ticket_performances (id),
    venue_id         TEXT NOT NULL REFERENCES ticket_venues (id),
    seat_id          TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    price_cents      BIGINT NOT NULL CHECK (price_cents > 0),
    status           TEXT NOT NULL CHECK (status IN ('valid', 'checked_in', 'cancelled')),
    code             TEXT NOT NULL,
    code_hash        TEXT NOT NULL UNIQUE,
    issued_at        TIMESTAMPTZ NOT NULL,
    checked_in_at    TIMESTAMPTZ,
    checked_in_by    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tickets_account ON tickets (account_id, issued_at DESC);
CREATE INDEX tickets_order ON tickets (order_id);
-- A seat of a performance has at most one ticket that is not cancelled.
CREATE UNIQUE INDEX tickets_live_seat ON tickets (performance_id, seat_id) WHERE status <> 'cancelled';
