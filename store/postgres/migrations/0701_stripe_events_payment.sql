-- The wallet page asks, for each of a citizen's latest top-ups, whether
-- Stripe reported a declined attempt.
CREATE INDEX stripe_events_payment_intent ON stripe_events (payment_intent_id, type) WHERE payment_intent_id <> '';
