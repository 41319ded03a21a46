-- The index of what each transaction pays for (ref_type, ref_id) served no
-- query of the hub: a domain finds its postings by their keys, and the
-- reconciliations sum accounts. Every posting that names what it pays for
-- (a redemption, a claim, a payment, a ride) wrote an entry in it.
DROP INDEX ledger_transactions_ref;
