-- A card refund Stripe refused is sent again, once an administrator has
-- fixed its cause, under a key of its own: Stripe answers a key it has
-- seen in the last day with its first answer, the refusal included, so a
-- retry under the refused key would be refused again without being tried.
-- The round counts those retries; the key is the refund's id in round 0
-- (every refund made before this migration) and the id with the round
-- after it. A refusal means Stripe made no refund, so the new key cannot
-- pay a card twice.
ALTER TABLE ticket_card_refunds ADD COLUMN key_round INTEGER NOT NULL DEFAULT 0;
ALTER TABLE topup_card_refunds ADD COLUMN key_round INTEGER NOT NULL DEFAULT 0;
