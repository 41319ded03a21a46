-- Card money owed back to the cards a citizen's top-ups came from, when the
-- citizen erases their account and chooses a refund (cardpay erasure.go).
-- Written in the erasure's transaction; the id is the idempotency key sent
-- to Stripe, so a refund is never sent twice. States as in
-- ticket_card_refunds: owed, sent (a refunder has it), done, failed.
-- payment_intent_id names a card_payments row; no foreign key, since that
-- table comes with a later migration.
CREATE TABLE topup_card_refunds (
    id                TEXT PRIMARY KEY,
    payment_intent_id TEXT NOT NULL,
    account_id        TEXT NOT NULL,
    amount_cents      BIGINT NOT NULL CHECK (amount_cents > 0),
    state             TEXT NOT NULL CHECK (state IN ('owed', 'sent', 'done', 'failed')),
    stripe_refund_id  TEXT NOT NULL DEFAULT '',
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX topup_card_refunds_due ON topup_card_refunds (state, updated_at);
