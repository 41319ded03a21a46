--
-- PostgreSQL database dump
--

\restrict 6bdsY9H5rB1OIOXM1kN7Q2tDL6Gq86jgjbYdf3LddYUmz1XJhjr6oZdLMhbGcYM

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: cityhub_upgrade_fixture; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA cityhub_upgrade_fixture;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: account_grants; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.account_grants (
    account_id text NOT NULL,
    role text NOT NULL,
    scope text DEFAULT ''::text NOT NULL
);


--
-- Name: accounts; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.accounts (
    id text NOT NULL,
    email text NOT NULL,
    email_norm text NOT NULL,
    name text NOT NULL,
    locale text NOT NULL,
    password_hash text NOT NULL,
    disabled boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone NOT NULL,
    deleted_at timestamp with time zone
);


--
-- Name: audit_log; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.audit_log (
    id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    actor_id text DEFAULT ''::text NOT NULL,
    action text NOT NULL,
    object_type text DEFAULT ''::text NOT NULL,
    object_id text DEFAULT ''::text NOT NULL,
    shop_id text DEFAULT ''::text NOT NULL,
    device text DEFAULT ''::text NOT NULL,
    ip text DEFAULT ''::text NOT NULL,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL
);


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE SEQUENCE cityhub_upgrade_fixture.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_log_id_seq; Type: SEQUENCE OWNED BY; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER SEQUENCE cityhub_upgrade_fixture.audit_log_id_seq OWNED BY cityhub_upgrade_fixture.audit_log.id;


--
-- Name: idempotency_keys; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.idempotency_keys (
    scope text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer NOT NULL,
    response bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: ledger_accounts; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.ledger_accounts (
    id text NOT NULL,
    kind text NOT NULL,
    owner_id text DEFAULT ''::text NOT NULL,
    floor bigint,
    balance bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: ledger_entries; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.ledger_entries (
    id bigint NOT NULL,
    transaction_id text NOT NULL,
    account_id text NOT NULL,
    amount bigint NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT ledger_entries_amount_check CHECK ((amount <> 0))
);


--
-- Name: ledger_entries_id_seq; Type: SEQUENCE; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE cityhub_upgrade_fixture.ledger_entries ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME cityhub_upgrade_fixture.ledger_entries_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: ledger_transactions; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.ledger_transactions (
    id text NOT NULL,
    idem_key text NOT NULL,
    kind text NOT NULL,
    memo text DEFAULT ''::text NOT NULL,
    ref_type text DEFAULT ''::text NOT NULL,
    ref_id text DEFAULT ''::text NOT NULL,
    overdraft_rule text DEFAULT ''::text NOT NULL,
    overdraft_floor bigint,
    overdraft_account text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: login_failures; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.login_failures (
    id bigint NOT NULL,
    subject text NOT NULL,
    at timestamp with time zone NOT NULL
);


--
-- Name: login_failures_id_seq; Type: SEQUENCE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE SEQUENCE cityhub_upgrade_fixture.login_failures_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: login_failures_id_seq; Type: SEQUENCE OWNED BY; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER SEQUENCE cityhub_upgrade_fixture.login_failures_id_seq OWNED BY cityhub_upgrade_fixture.login_failures.id;


--
-- Name: mobility_bikes; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.mobility_bikes (
    id text NOT NULL,
    vehicle_type_id text NOT NULL,
    active boolean NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    trips integer DEFAULT 0 NOT NULL
);


--
-- Name: mobility_docks; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.mobility_docks (
    station_id text NOT NULL,
    dock integer NOT NULL,
    in_service boolean NOT NULL,
    note text DEFAULT ''::text NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: mobility_occupancy; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.mobility_occupancy (
    station_id text NOT NULL,
    at timestamp with time zone NOT NULL,
    bikes integer NOT NULL,
    free_docks integer NOT NULL
);


--
-- Name: mobility_pricing_plans; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.mobility_pricing_plans (
    id text NOT NULL,
    name_it text NOT NULL,
    name_en text NOT NULL,
    description_it text DEFAULT ''::text NOT NULL,
    description_en text DEFAULT ''::text NOT NULL,
    unlock_cents bigint NOT NULL,
    per_min jsonb DEFAULT '[]'::jsonb NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT mobility_pricing_plans_unlock_cents_check CHECK ((unlock_cents >= 0))
);


--
-- Name: mobility_rides; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.mobility_rides (
    id text NOT NULL,
    command_id text NOT NULL,
    rider_id text NOT NULL,
    bike_id text NOT NULL,
    start_station text NOT NULL,
    start_dock integer NOT NULL,
    status text NOT NULL,
    pricing_plan_id text NOT NULL,
    plan jsonb NOT NULL,
    deadline timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    started_at timestamp with time zone,
    ended_at timestamp with time zone,
    end_station text DEFAULT ''::text NOT NULL,
    end_dock integer DEFAULT 0 NOT NULL,
    fare_cents bigint DEFAULT 0 NOT NULL,
    unsettled boolean DEFAULT false NOT NULL,
    ledger_tx_id text DEFAULT ''::text NOT NULL,
    failure_reason text DEFAULT ''::text NOT NULL,
    CONSTRAINT mobility_rides_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'active'::text, 'ended'::text, 'failed'::text])))
);


--
-- Name: mobility_station_state; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.mobility_station_state (
    station_id text NOT NULL,
    online boolean DEFAULT false NOT NULL,
    online_at timestamp with time zone,
    last_reported timestamp with time zone,
    docks jsonb DEFAULT '[]'::jsonb NOT NULL,
    faults jsonb DEFAULT '[]'::jsonb NOT NULL,
    empty_since timestamp with time zone,
    full_since timestamp with time zone,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: mobility_stations; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.mobility_stations (
    id text NOT NULL,
    name_it text NOT NULL,
    name_en text NOT NULL,
    address text DEFAULT ''::text NOT NULL,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    capacity integer NOT NULL,
    open boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT mobility_stations_capacity_check CHECK ((capacity > 0))
);


--
-- Name: mobility_vehicle_types; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.mobility_vehicle_types (
    id text NOT NULL,
    name_it text NOT NULL,
    name_en text NOT NULL,
    propulsion text NOT NULL,
    max_range_meters integer DEFAULT 0 NOT NULL,
    pricing_plan_id text NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: refresh_tokens; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.refresh_tokens (
    id text NOT NULL,
    family_id text NOT NULL,
    account_id text NOT NULL,
    token_hash text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    rotated_at timestamp with time zone,
    revoked_at timestamp with time zone
);


--
-- Name: schema_migrations; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: sessions; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.sessions (
    token_hash text NOT NULL,
    account_id text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_seen_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: signing_keys; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.signing_keys (
    id text NOT NULL,
    purpose text NOT NULL,
    private_key bytea NOT NULL,
    current boolean NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: ticket_card_refunds; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.ticket_card_refunds (
    id text NOT NULL,
    order_id text NOT NULL,
    payment_intent_id text NOT NULL,
    amount_cents bigint NOT NULL,
    state text NOT NULL,
    stripe_refund_id text DEFAULT ''::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT ticket_card_refunds_amount_cents_check CHECK ((amount_cents > 0)),
    CONSTRAINT ticket_card_refunds_state_check CHECK ((state = ANY (ARRAY['owed'::text, 'sent'::text, 'done'::text, 'failed'::text])))
);


--
-- Name: ticket_claims; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.ticket_claims (
    performance_id text NOT NULL,
    seat_id text NOT NULL,
    order_id text NOT NULL,
    state text NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT ticket_claims_state_check CHECK ((state = ANY (ARRAY['held'::text, 'sold'::text])))
);


--
-- Name: ticket_code_failures; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.ticket_code_failures (
    id bigint NOT NULL,
    key text NOT NULL,
    at timestamp with time zone NOT NULL
);


--
-- Name: ticket_code_failures_id_seq; Type: SEQUENCE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE SEQUENCE cityhub_upgrade_fixture.ticket_code_failures_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ticket_code_failures_id_seq; Type: SEQUENCE OWNED BY; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER SEQUENCE cityhub_upgrade_fixture.ticket_code_failures_id_seq OWNED BY cityhub_upgrade_fixture.ticket_code_failures.id;


--
-- Name: ticket_orders; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.ticket_orders (
    id text NOT NULL,
    account_id text NOT NULL,
    performance_id text NOT NULL,
    seats jsonb NOT NULL,
    total_cents bigint NOT NULL,
    status text NOT NULL,
    method text DEFAULT ''::text NOT NULL,
    payment_intent_id text DEFAULT ''::text NOT NULL,
    hold_expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    paid_at timestamp with time zone,
    transaction_id text DEFAULT ''::text NOT NULL,
    note text DEFAULT ''::text NOT NULL,
    CONSTRAINT ticket_orders_status_check CHECK ((status = ANY (ARRAY['held'::text, 'paid'::text, 'refund_due'::text, 'cancelled'::text, 'refunded'::text]))),
    CONSTRAINT ticket_orders_total_cents_check CHECK ((total_cents > 0))
);


--
-- Name: ticket_performances; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.ticket_performances (
    id text NOT NULL,
    venue_id text NOT NULL,
    title text NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    prices jsonb NOT NULL,
    sales_open timestamp with time zone NOT NULL,
    sales_close timestamp with time zone NOT NULL,
    status text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT ticket_performances_check CHECK (((sales_close > sales_open) AND (sales_close <= starts_at))),
    CONSTRAINT ticket_performances_status_check CHECK ((status = ANY (ARRAY['scheduled'::text, 'cancelled'::text])))
);


--
-- Name: ticket_seats; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.ticket_seats (
    venue_id text NOT NULL,
    id text NOT NULL,
    section text NOT NULL,
    row_name text NOT NULL,
    number integer NOT NULL,
    category text NOT NULL,
    ord integer NOT NULL,
    CONSTRAINT ticket_seats_number_check CHECK ((number > 0))
);


--
-- Name: ticket_venues; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.ticket_venues (
    id text NOT NULL,
    name text NOT NULL,
    address text NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: tickets; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.tickets (
    id text NOT NULL,
    order_id text NOT NULL,
    performance_id text NOT NULL,
    venue_id text NOT NULL,
    seat_id text NOT NULL,
    account_id text NOT NULL,
    price_cents bigint NOT NULL,
    status text NOT NULL,
    code text NOT NULL,
    code_hash text NOT NULL,
    issued_at timestamp with time zone NOT NULL,
    checked_in_at timestamp with time zone,
    checked_in_by text DEFAULT ''::text NOT NULL,
    CONSTRAINT tickets_price_cents_check CHECK ((price_cents > 0)),
    CONSTRAINT tickets_status_check CHECK ((status = ANY (ARRAY['valid'::text, 'checked_in'::text, 'cancelled'::text])))
);


--
-- Name: voucher_campaigns; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.voucher_campaigns (
    id text NOT NULL,
    name text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    budget_cents bigint NOT NULL,
    face_value_cents bigint NOT NULL,
    percent_off integer DEFAULT 0 NOT NULL,
    min_spend_cents bigint DEFAULT 0 NOT NULL,
    per_citizen_limit integer NOT NULL,
    valid_from timestamp with time zone NOT NULL,
    valid_until timestamp with time zone NOT NULL,
    districts jsonb DEFAULT '[]'::jsonb NOT NULL,
    categories jsonb DEFAULT '[]'::jsonb NOT NULL,
    shop_ids jsonb DEFAULT '[]'::jsonb NOT NULL,
    mode text NOT NULL,
    status text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT voucher_campaigns_budget_cents_check CHECK ((budget_cents > 0)),
    CONSTRAINT voucher_campaigns_check CHECK ((valid_until > valid_from)),
    CONSTRAINT voucher_campaigns_face_value_cents_check CHECK ((face_value_cents > 0)),
    CONSTRAINT voucher_campaigns_min_spend_cents_check CHECK ((min_spend_cents >= 0)),
    CONSTRAINT voucher_campaigns_mode_check CHECK ((mode = ANY (ARRAY['single_use'::text, 'partial'::text]))),
    CONSTRAINT voucher_campaigns_per_citizen_limit_check CHECK ((per_citizen_limit > 0)),
    CONSTRAINT voucher_campaigns_percent_off_check CHECK (((percent_off >= 0) AND (percent_off <= 100))),
    CONSTRAINT voucher_campaigns_status_check CHECK ((status = ANY (ARRAY['draft'::text, 'open'::text, 'paused'::text, 'closed'::text])))
);


--
-- Name: voucher_code_failures; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.voucher_code_failures (
    id bigint NOT NULL,
    key text NOT NULL,
    at timestamp with time zone NOT NULL
);


--
-- Name: voucher_code_failures_id_seq; Type: SEQUENCE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE SEQUENCE cityhub_upgrade_fixture.voucher_code_failures_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: voucher_code_failures_id_seq; Type: SEQUENCE OWNED BY; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER SEQUENCE cityhub_upgrade_fixture.voucher_code_failures_id_seq OWNED BY cityhub_upgrade_fixture.voucher_code_failures.id;


--
-- Name: voucher_redemptions; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.voucher_redemptions (
    id text NOT NULL,
    voucher_id text NOT NULL,
    campaign_id text NOT NULL,
    shop_id text NOT NULL,
    purchase_cents bigint NOT NULL,
    amount_cents bigint NOT NULL,
    staff_id text NOT NULL,
    device text DEFAULT ''::text NOT NULL,
    at timestamp with time zone NOT NULL,
    reversed_at timestamp with time zone,
    reversed_by text DEFAULT ''::text NOT NULL,
    settlement_id text DEFAULT ''::text NOT NULL,
    CONSTRAINT voucher_redemptions_check CHECK (((amount_cents > 0) AND (amount_cents <= purchase_cents))),
    CONSTRAINT voucher_redemptions_check1 CHECK (((reversed_at IS NULL) OR (settlement_id = ''::text))),
    CONSTRAINT voucher_redemptions_purchase_cents_check CHECK ((purchase_cents > 0))
);


--
-- Name: voucher_settlements; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.voucher_settlements (
    id text NOT NULL,
    shop_id text NOT NULL,
    period_end timestamp with time zone NOT NULL,
    count integer NOT NULL,
    total_cents bigint NOT NULL,
    status text NOT NULL,
    closed_at timestamp with time zone NOT NULL,
    closed_by text NOT NULL,
    paid_at timestamp with time zone,
    payment_ref text DEFAULT ''::text NOT NULL,
    CONSTRAINT voucher_settlements_count_check CHECK ((count > 0)),
    CONSTRAINT voucher_settlements_status_check CHECK ((status = ANY (ARRAY['closed'::text, 'paid'::text]))),
    CONSTRAINT voucher_settlements_total_cents_check CHECK ((total_cents > 0))
);


--
-- Name: voucher_shops; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.voucher_shops (
    id text NOT NULL,
    name text NOT NULL,
    address text NOT NULL,
    district text NOT NULL,
    category text NOT NULL,
    iban text NOT NULL,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: vouchers; Type: TABLE; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE TABLE cityhub_upgrade_fixture.vouchers (
    id text NOT NULL,
    campaign_id text NOT NULL,
    account_id text NOT NULL,
    value_cents bigint NOT NULL,
    remaining_cents bigint NOT NULL,
    status text NOT NULL,
    code text NOT NULL,
    code_hash text NOT NULL,
    claimed_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT vouchers_check CHECK (((remaining_cents >= 0) AND (remaining_cents <= value_cents))),
    CONSTRAINT vouchers_status_check CHECK ((status = ANY (ARRAY['active'::text, 'used'::text]))),
    CONSTRAINT vouchers_value_cents_check CHECK ((value_cents > 0))
);


--
-- Name: audit_log id; Type: DEFAULT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.audit_log ALTER COLUMN id SET DEFAULT nextval('cityhub_upgrade_fixture.audit_log_id_seq'::regclass);


--
-- Name: login_failures id; Type: DEFAULT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.login_failures ALTER COLUMN id SET DEFAULT nextval('cityhub_upgrade_fixture.login_failures_id_seq'::regclass);


--
-- Name: ticket_code_failures id; Type: DEFAULT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_code_failures ALTER COLUMN id SET DEFAULT nextval('cityhub_upgrade_fixture.ticket_code_failures_id_seq'::regclass);


--
-- Name: voucher_code_failures id; Type: DEFAULT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.voucher_code_failures ALTER COLUMN id SET DEFAULT nextval('cityhub_upgrade_fixture.voucher_code_failures_id_seq'::regclass);


--
-- Data for Name: account_grants; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.account_grants VALUES ('acc_c82jt5kwykvvfnnjp8k6d4mdz8', 'city_admin', '');
INSERT INTO cityhub_upgrade_fixture.account_grants VALUES ('acc_h6d3795yywzqvq8vdjxqxdhc80', 'citizen', '');
INSERT INTO cityhub_upgrade_fixture.account_grants VALUES ('acc_xy0x5qzckq3h41d1v606dzst8r', 'merchant_staff', 'shp_25f8xsvdwge85bsemdn0qvnsjw');
INSERT INTO cityhub_upgrade_fixture.account_grants VALUES ('acc_3qkwmvrrtrgxgg5ge7gargh3wc', 'door_staff', 'ven_jaynn6hakjr66hcvqvx09bjx5w');
INSERT INTO cityhub_upgrade_fixture.account_grants VALUES ('acc_w32p0vymz1dwxfp37wt0e9648c', 'mobility_operator', '');


--
-- Data for Name: accounts; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.accounts VALUES ('acc_c82jt5kwykvvfnnjp8k6d4mdz8', 'comune@demo.cityhub.test', 'comune@demo.cityhub.test', 'Anna Ferrara', 'it', '$argon2id$v=19$m=19456,t=2,p=1$n/NkCO93qvmHd1EGysZ75Q$o1Xe7BriqVAKM/JEJVDYg+8dJhSMvEQcn99jbAESbLw', false, '2026-11-30 19:01:13.258294+00', NULL);
INSERT INTO cityhub_upgrade_fixture.accounts VALUES ('acc_h6d3795yywzqvq8vdjxqxdhc80', 'cittadino@demo.cityhub.test', 'cittadino@demo.cityhub.test', 'Maria Esposito', 'it', '$argon2id$v=19$m=19456,t=2,p=1$/Oqw8J71zHB8PcoyIbiGgw$xLEGbLyu+fnPvBGqiFMoJk67xgG7zMEaXacyVjQNhYk', false, '2026-11-30 19:01:13.410015+00', NULL);
INSERT INTO cityhub_upgrade_fixture.accounts VALUES ('acc_xy0x5qzckq3h41d1v606dzst8r', 'negozio@demo.cityhub.test', 'negozio@demo.cityhub.test', 'Gennaro Russo', 'it', '$argon2id$v=19$m=19456,t=2,p=1$7Hljv5ttAGH9aqs3IsAxfw$1sUowtCOgai3Pcjg5SxJpEvkebWwC1lxtoC9tiCsTKQ', false, '2026-11-30 19:01:13.646899+00', NULL);
INSERT INTO cityhub_upgrade_fixture.accounts VALUES ('acc_3qkwmvrrtrgxgg5ge7gargh3wc', 'teatro@demo.cityhub.test', 'teatro@demo.cityhub.test', 'Lucia Romano', 'it', '$argon2id$v=19$m=19456,t=2,p=1$d1uaQrs+X5nJZ55nokUgTQ$72RLZKt7mGvG4o/CRGN1PT3rVL1MUIjIqq4pXFHN8K4', false, '2026-11-30 19:01:13.749653+00', NULL);
INSERT INTO cityhub_upgrade_fixture.accounts VALUES ('acc_w32p0vymz1dwxfp37wt0e9648c', 'mobilita@demo.cityhub.test', 'mobilita@demo.cityhub.test', 'Paolo De Luca', 'it', '$argon2id$v=19$m=19456,t=2,p=1$do3YwnAlF9aNrBw3IaQt4w$MzOHo7KdLb08Q0DqT0CrtdZsgvW0K51x54vM43MyRe4', false, '2026-11-30 19:01:13.902062+00', NULL);


--
-- Data for Name: audit_log; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (1, '2026-11-30 19:01:13.263455+00', 'system', 'account.seed', 'account', 'acc_c82jt5kwykvvfnnjp8k6d4mdz8', '', '', '', '{"grants": ["city_admin:"]}');
INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (2, '2026-11-30 19:01:13.274176+00', 'acc_c82jt5kwykvvfnnjp8k6d4mdz8', 'shop.create', 'shop', 'shp_25f8xsvdwge85bsemdn0qvnsjw', 'shp_25f8xsvdwge85bsemdn0qvnsjw', '', '', '{}');
INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (3, '2026-11-30 19:01:13.289098+00', 'acc_c82jt5kwykvvfnnjp8k6d4mdz8', 'shop.create', 'shop', 'shp_sf3jrc0g4w047e15kdnqyjwg0c', 'shp_sf3jrc0g4w047e15kdnqyjwg0c', '', '', '{}');
INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (4, '2026-11-30 19:01:13.298218+00', 'acc_c82jt5kwykvvfnnjp8k6d4mdz8', 'shop.create', 'shop', 'shp_wpyftxtmfhdtkmqckby8rfybh0', 'shp_wpyftxtmfhdtkmqckby8rfybh0', '', '', '{}');
INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (5, '2026-11-30 19:01:13.302559+00', 'acc_c82jt5kwykvvfnnjp8k6d4mdz8', 'shop.create', 'shop', 'shp_9qxgmf4t1xxznjf3np03d0nfv0', 'shp_9qxgmf4t1xxznjf3np03d0nfv0', '', '', '{}');
INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (6, '2026-11-30 19:01:13.306885+00', 'acc_c82jt5kwykvvfnnjp8k6d4mdz8', 'venue.create', 'venue', 'ven_jaynn6hakjr66hcvqvx09bjx5w', '', '', '', '{}');
INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (7, '2026-11-30 19:01:13.31451+00', 'acc_c82jt5kwykvvfnnjp8k6d4mdz8', 'venue.seat_map', 'venue', 'ven_jaynn6hakjr66hcvqvx09bjx5w', '', '', '', '{"seats": 46}');
INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (8, '2026-11-30 19:01:13.321895+00', 'acc_c82jt5kwykvvfnnjp8k6d4mdz8', 'performance.create', 'performance', 'prf_89bgwzxvbxa88h2cywcmydmg6g', '', '', '', '{"venue_id": "ven_jaynn6hakjr66hcvqvx09bjx5w"}');
INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (9, '2026-11-30 19:01:13.324896+00', 'acc_c82jt5kwykvvfnnjp8k6d4mdz8', 'performance.create', 'performance', 'prf_phwtk8hjmd8xwvss2e2hy69j8w', '', '', '', '{"venue_id": "ven_jaynn6hakjr66hcvqvx09bjx5w"}');
INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (10, '2026-11-30 19:01:13.423676+00', 'system', 'account.seed', 'account', 'acc_h6d3795yywzqvq8vdjxqxdhc80', '', '', '', '{"grants": ["citizen:"]}');
INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (11, '2026-11-30 19:01:13.646999+00', 'system', 'account.seed', 'account', 'acc_xy0x5qzckq3h41d1v606dzst8r', '', '', '', '{"grants": ["merchant_staff:shp_25f8xsvdwge85bsemdn0qvnsjw"]}');
INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (12, '2026-11-30 19:01:13.761085+00', 'system', 'account.seed', 'account', 'acc_3qkwmvrrtrgxgg5ge7gargh3wc', '', '', '', '{"grants": ["door_staff:ven_jaynn6hakjr66hcvqvx09bjx5w"]}');
INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (13, '2026-11-30 19:01:13.902204+00', 'system', 'account.seed', 'account', 'acc_w32p0vymz1dwxfp37wt0e9648c', '', '', '', '{"grants": ["mobility_operator:"]}');
INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (14, '2026-11-30 19:01:13.922989+00', 'acc_c82jt5kwykvvfnnjp8k6d4mdz8', 'campaign.create', 'campaign', 'cmp_j7ywwktmhnzcz8mh1wcx8ybyv0', '', '', '', '{"budget_cents": 500000}');
INSERT INTO cityhub_upgrade_fixture.audit_log VALUES (15, '2026-11-30 19:01:13.932039+00', 'acc_c82jt5kwykvvfnnjp8k6d4mdz8', 'campaign.open', 'campaign', 'cmp_j7ywwktmhnzcz8mh1wcx8ybyv0', '', '', '', '{"from": "draft"}');


--
-- Data for Name: idempotency_keys; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Data for Name: ledger_accounts; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('stripe:clearing', 'stripe_clearing', '', NULL, 0, '2026-11-30 19:01:12.952763+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('revenue:bikeshare', 'revenue', '', NULL, 0, '2026-11-30 19:01:12.952763+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('revenue:theatre', 'revenue', '', NULL, 0, '2026-11-30 19:01:12.952763+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('shop:shp_25f8xsvdwge85bsemdn0qvnsjw:payable', 'shop_payable', 'shp_25f8xsvdwge85bsemdn0qvnsjw', 0, 0, '2026-11-30 19:01:13.274176+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('shop:shp_25f8xsvdwge85bsemdn0qvnsjw:paid', 'shop_paid', 'shp_25f8xsvdwge85bsemdn0qvnsjw', 0, 0, '2026-11-30 19:01:13.274176+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('shop:shp_sf3jrc0g4w047e15kdnqyjwg0c:payable', 'shop_payable', 'shp_sf3jrc0g4w047e15kdnqyjwg0c', 0, 0, '2026-11-30 19:01:13.289098+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('shop:shp_sf3jrc0g4w047e15kdnqyjwg0c:paid', 'shop_paid', 'shp_sf3jrc0g4w047e15kdnqyjwg0c', 0, 0, '2026-11-30 19:01:13.289098+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('shop:shp_wpyftxtmfhdtkmqckby8rfybh0:payable', 'shop_payable', 'shp_wpyftxtmfhdtkmqckby8rfybh0', 0, 0, '2026-11-30 19:01:13.298218+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('shop:shp_wpyftxtmfhdtkmqckby8rfybh0:paid', 'shop_paid', 'shp_wpyftxtmfhdtkmqckby8rfybh0', 0, 0, '2026-11-30 19:01:13.298218+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('shop:shp_9qxgmf4t1xxznjf3np03d0nfv0:payable', 'shop_payable', 'shp_9qxgmf4t1xxznjf3np03d0nfv0', 0, 0, '2026-11-30 19:01:13.302559+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('shop:shp_9qxgmf4t1xxznjf3np03d0nfv0:paid', 'shop_paid', 'shp_9qxgmf4t1xxznjf3np03d0nfv0', 0, 0, '2026-11-30 19:01:13.302559+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('campaign:cmp_j7ywwktmhnzcz8mh1wcx8ybyv0:held', 'campaign_held', 'cmp_j7ywwktmhnzcz8mh1wcx8ybyv0', 0, 0, '2026-11-30 19:01:13.922989+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('city:funding', 'city_funding', '', NULL, -500000, '2026-11-30 19:01:12.952763+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('campaign:cmp_j7ywwktmhnzcz8mh1wcx8ybyv0:budget', 'campaign_budget', 'cmp_j7ywwktmhnzcz8mh1wcx8ybyv0', 0, 500000, '2026-11-30 19:01:13.922989+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('test:payments', 'system', '', NULL, -2000, '2026-11-30 19:01:12.952763+00');
INSERT INTO cityhub_upgrade_fixture.ledger_accounts VALUES ('citizen:acc_h6d3795yywzqvq8vdjxqxdhc80', 'citizen_credit', 'acc_h6d3795yywzqvq8vdjxqxdhc80', 0, 2000, '2026-11-30 19:01:13.423676+00');


--
-- Data for Name: ledger_entries; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.ledger_entries OVERRIDING SYSTEM VALUE VALUES (1, 'ltx_nefvn7kpk1f4x0zdrp2744ggt0', 'city:funding', -500000, '2026-11-30 19:01:13.92383+00');
INSERT INTO cityhub_upgrade_fixture.ledger_entries OVERRIDING SYSTEM VALUE VALUES (2, 'ltx_nefvn7kpk1f4x0zdrp2744ggt0', 'campaign:cmp_j7ywwktmhnzcz8mh1wcx8ybyv0:budget', 500000, '2026-11-30 19:01:13.92383+00');
INSERT INTO cityhub_upgrade_fixture.ledger_entries OVERRIDING SYSTEM VALUE VALUES (3, 'ltx_02jemhv2cf6f8rc852dqqbevmw', 'test:payments', -2000, '2026-11-30 19:01:13.94205+00');
INSERT INTO cityhub_upgrade_fixture.ledger_entries OVERRIDING SYSTEM VALUE VALUES (4, 'ltx_02jemhv2cf6f8rc852dqqbevmw', 'citizen:acc_h6d3795yywzqvq8vdjxqxdhc80', 2000, '2026-11-30 19:01:13.94205+00');


--
-- Data for Name: ledger_transactions; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.ledger_transactions VALUES ('ltx_nefvn7kpk1f4x0zdrp2744ggt0', 'voucher.fund:cmp_j7ywwktmhnzcz8mh1wcx8ybyv0', 'voucher.fund', 'Budget of Benevento riparte: buoni spesa di quartiere', 'campaign', 'cmp_j7ywwktmhnzcz8mh1wcx8ybyv0', '', NULL, '', '2026-11-30 19:01:13.92383+00');
INSERT INTO cityhub_upgrade_fixture.ledger_transactions VALUES ('ltx_02jemhv2cf6f8rc852dqqbevmw', 'demo:credit:acc_h6d3795yywzqvq8vdjxqxdhc80', 'topup', 'Credito demo / demo credit', '', '', '', NULL, '', '2026-11-30 19:01:13.94205+00');


--
-- Data for Name: login_failures; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Data for Name: mobility_bikes; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-001-b01', 'bike', true, '2026-11-30 19:01:13.970535+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-001-b02', 'bike', true, '2026-11-30 19:01:13.976538+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-001-b03', 'ebike', true, '2026-11-30 19:01:13.978226+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-001-b04', 'bike', true, '2026-11-30 19:01:13.983775+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-001-b05', 'bike', true, '2026-11-30 19:01:13.991476+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-001-b06', 'ebike', true, '2026-11-30 19:01:13.997812+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-002-b01', 'bike', true, '2026-11-30 19:01:14.007256+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-002-b02', 'bike', true, '2026-11-30 19:01:14.009578+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-002-b03', 'ebike', true, '2026-11-30 19:01:14.010499+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-002-b04', 'bike', true, '2026-11-30 19:01:14.026292+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-002-b05', 'bike', true, '2026-11-30 19:01:14.035424+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-002-b06', 'ebike', true, '2026-11-30 19:01:14.04222+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-003-b01', 'bike', true, '2026-11-30 19:01:14.062011+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-003-b02', 'bike', true, '2026-11-30 19:01:14.070846+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-003-b03', 'ebike', true, '2026-11-30 19:01:14.079253+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-003-b04', 'bike', true, '2026-11-30 19:01:14.118334+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-003-b05', 'bike', true, '2026-11-30 19:01:14.130382+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-003-b06', 'ebike', true, '2026-11-30 19:01:14.136409+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-004-b01', 'bike', true, '2026-11-30 19:01:14.137769+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-004-b02', 'bike', true, '2026-11-30 19:01:14.189463+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-004-b03', 'ebike', true, '2026-11-30 19:01:14.191019+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-004-b04', 'bike', true, '2026-11-30 19:01:14.195702+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-004-b05', 'bike', true, '2026-11-30 19:01:14.196419+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-004-b06', 'ebike', true, '2026-11-30 19:01:14.196922+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-005-b01', 'bike', true, '2026-11-30 19:01:14.199012+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-005-b02', 'bike', true, '2026-11-30 19:01:14.199474+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-005-b03', 'ebike', true, '2026-11-30 19:01:14.199805+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-005-b04', 'bike', true, '2026-11-30 19:01:14.20016+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-005-b05', 'bike', true, '2026-11-30 19:01:14.205903+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-005-b06', 'ebike', true, '2026-11-30 19:01:14.206518+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-006-b01', 'bike', true, '2026-11-30 19:01:14.207568+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-006-b02', 'bike', true, '2026-11-30 19:01:14.21003+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-006-b03', 'ebike', true, '2026-11-30 19:01:14.211851+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-006-b04', 'bike', true, '2026-11-30 19:01:14.212328+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-006-b05', 'bike', true, '2026-11-30 19:01:14.215886+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-006-b06', 'ebike', true, '2026-11-30 19:01:14.216955+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-007-b01', 'bike', true, '2026-11-30 19:01:14.22329+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-007-b02', 'bike', true, '2026-11-30 19:01:14.223801+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-007-b03', 'ebike', true, '2026-11-30 19:01:14.226353+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-007-b04', 'bike', true, '2026-11-30 19:01:14.228297+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-007-b05', 'bike', true, '2026-11-30 19:01:14.234288+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-007-b06', 'ebike', true, '2026-11-30 19:01:14.237172+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-008-b01', 'bike', true, '2026-11-30 19:01:14.237891+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-008-b02', 'bike', true, '2026-11-30 19:01:14.239259+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-008-b03', 'ebike', true, '2026-11-30 19:01:14.239918+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-008-b04', 'bike', true, '2026-11-30 19:01:14.24088+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-008-b05', 'bike', true, '2026-11-30 19:01:14.241166+00', 0);
INSERT INTO cityhub_upgrade_fixture.mobility_bikes VALUES ('bn-008-b06', 'ebike', true, '2026-11-30 19:01:14.24499+00', 0);


--
-- Data for Name: mobility_docks; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Data for Name: mobility_occupancy; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.mobility_occupancy VALUES ('bn-008', '2026-11-30 19:00:00+00', 6, 4);
INSERT INTO cityhub_upgrade_fixture.mobility_occupancy VALUES ('bn-007', '2026-11-30 19:00:00+00', 6, 4);
INSERT INTO cityhub_upgrade_fixture.mobility_occupancy VALUES ('bn-005', '2026-11-30 19:00:00+00', 6, 4);
INSERT INTO cityhub_upgrade_fixture.mobility_occupancy VALUES ('bn-001', '2026-11-30 19:00:00+00', 6, 4);
INSERT INTO cityhub_upgrade_fixture.mobility_occupancy VALUES ('bn-006', '2026-11-30 19:00:00+00', 6, 4);
INSERT INTO cityhub_upgrade_fixture.mobility_occupancy VALUES ('bn-002', '2026-11-30 19:00:00+00', 6, 4);
INSERT INTO cityhub_upgrade_fixture.mobility_occupancy VALUES ('bn-003', '2026-11-30 19:00:00+00', 6, 4);
INSERT INTO cityhub_upgrade_fixture.mobility_occupancy VALUES ('bn-004', '2026-11-30 19:00:00+00', 6, 4);


--
-- Data for Name: mobility_pricing_plans; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.mobility_pricing_plans VALUES ('standard', 'Bici muscolare', 'Pedal bike', '1,00 € di sblocco, 0,10 € al minuto per 30 minuti, poi 2,00 € ogni mezz''ora.', '1.00 EUR to unlock, 0.10 EUR a minute for 30 minutes, then 2.00 EUR every half hour.', 100, '[{"end": 30, "start": 0, "interval": 1, "rate_cents": 10}, {"start": 30, "interval": 30, "rate_cents": 200}]', '2026-11-30 19:01:13.95045+00');
INSERT INTO cityhub_upgrade_fixture.mobility_pricing_plans VALUES ('ebike', 'Bici elettrica', 'E-bike', '1,50 € di sblocco, 0,20 € al minuto.', '1.50 EUR to unlock, 0.20 EUR a minute.', 150, '[{"start": 0, "interval": 1, "rate_cents": 20}]', '2026-11-30 19:01:13.953694+00');


--
-- Data for Name: mobility_rides; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Data for Name: mobility_station_state; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.mobility_station_state VALUES ('bn-007', true, '2026-11-30 19:01:14.247643+00', '2026-11-30 19:01:14.247576+00', '[{"bike": "bn-007-b01", "dock": 1, "locked": true}, {"bike": "bn-007-b02", "dock": 2, "locked": true}, {"bike": "bn-007-b03", "dock": 3, "locked": true, "battery": 93}, {"bike": "bn-007-b04", "dock": 4, "locked": true}, {"bike": "bn-007-b05", "dock": 5, "locked": true}, {"bike": "bn-007-b06", "dock": 6, "locked": true, "battery": 63}, {"dock": 7, "locked": false}, {"dock": 8, "locked": false}, {"dock": 9, "locked": false}, {"dock": 10, "locked": false}]', '[]', NULL, NULL, '2026-11-30 19:01:14.253211+00');
INSERT INTO cityhub_upgrade_fixture.mobility_station_state VALUES ('bn-008', true, '2026-11-30 19:01:14.247631+00', '2026-11-30 19:01:14.247456+00', '[{"bike": "bn-008-b01", "dock": 1, "locked": true}, {"bike": "bn-008-b02", "dock": 2, "locked": true}, {"bike": "bn-008-b03", "dock": 3, "locked": true, "battery": 72}, {"bike": "bn-008-b04", "dock": 4, "locked": true}, {"bike": "bn-008-b05", "dock": 5, "locked": true}, {"bike": "bn-008-b06", "dock": 6, "locked": true, "battery": 68}, {"dock": 7, "locked": false}, {"dock": 8, "locked": false}, {"dock": 9, "locked": false}, {"dock": 10, "locked": false}]', '[]', NULL, NULL, '2026-11-30 19:01:14.253211+00');
INSERT INTO cityhub_upgrade_fixture.mobility_station_state VALUES ('bn-001', true, '2026-11-30 19:01:14.248811+00', '2026-11-30 19:01:14.24877+00', '[{"bike": "bn-001-b01", "dock": 1, "locked": true}, {"bike": "bn-001-b02", "dock": 2, "locked": true}, {"bike": "bn-001-b03", "dock": 3, "locked": true, "battery": 87}, {"bike": "bn-001-b04", "dock": 4, "locked": true}, {"bike": "bn-001-b05", "dock": 5, "locked": true}, {"bike": "bn-001-b06", "dock": 6, "locked": true, "battery": 96}, {"dock": 7, "locked": false}, {"dock": 8, "locked": false}, {"dock": 9, "locked": false}, {"dock": 10, "locked": false}]', '[]', NULL, NULL, '2026-11-30 19:01:14.253211+00');
INSERT INTO cityhub_upgrade_fixture.mobility_station_state VALUES ('bn-002', true, '2026-11-30 19:01:14.249101+00', '2026-11-30 19:01:14.249101+00', '[{"bike": "bn-002-b01", "dock": 1, "locked": true}, {"bike": "bn-002-b02", "dock": 2, "locked": true}, {"bike": "bn-002-b03", "dock": 3, "locked": true, "battery": 81}, {"bike": "bn-002-b04", "dock": 4, "locked": true}, {"bike": "bn-002-b05", "dock": 5, "locked": true}, {"bike": "bn-002-b06", "dock": 6, "locked": true, "battery": 90}, {"dock": 7, "locked": false}, {"dock": 8, "locked": false}, {"dock": 9, "locked": false}, {"dock": 10, "locked": false}]', '[]', NULL, NULL, '2026-11-30 19:01:14.253211+00');
INSERT INTO cityhub_upgrade_fixture.mobility_station_state VALUES ('bn-003', true, '2026-11-30 19:01:14.249243+00', '2026-11-30 19:01:14.249243+00', '[{"bike": "bn-003-b01", "dock": 1, "locked": true}, {"bike": "bn-003-b02", "dock": 2, "locked": true}, {"bike": "bn-003-b03", "dock": 3, "locked": true, "battery": 83}, {"bike": "bn-003-b04", "dock": 4, "locked": true}, {"bike": "bn-003-b05", "dock": 5, "locked": true}, {"bike": "bn-003-b06", "dock": 6, "locked": true, "battery": 96}, {"dock": 7, "locked": false}, {"dock": 8, "locked": false}, {"dock": 9, "locked": false}, {"dock": 10, "locked": false}]', '[]', NULL, NULL, '2026-11-30 19:01:14.253211+00');
INSERT INTO cityhub_upgrade_fixture.mobility_station_state VALUES ('bn-004', true, '2026-11-30 19:01:14.249449+00', '2026-11-30 19:01:14.249449+00', '[{"bike": "bn-004-b01", "dock": 1, "locked": true}, {"bike": "bn-004-b02", "dock": 2, "locked": true}, {"bike": "bn-004-b03", "dock": 3, "locked": true, "battery": 69}, {"bike": "bn-004-b04", "dock": 4, "locked": true}, {"bike": "bn-004-b05", "dock": 5, "locked": true}, {"bike": "bn-004-b06", "dock": 6, "locked": true, "battery": 85}, {"dock": 7, "locked": false}, {"dock": 8, "locked": false}, {"dock": 9, "locked": false}, {"dock": 10, "locked": false}]', '[]', NULL, NULL, '2026-11-30 19:01:14.253211+00');
INSERT INTO cityhub_upgrade_fixture.mobility_station_state VALUES ('bn-005', true, '2026-11-30 19:01:14.248799+00', '2026-11-30 19:01:14.248732+00', '[{"bike": "bn-005-b01", "dock": 1, "locked": true}, {"bike": "bn-005-b02", "dock": 2, "locked": true}, {"bike": "bn-005-b03", "dock": 3, "locked": true, "battery": 68}, {"bike": "bn-005-b04", "dock": 4, "locked": true}, {"bike": "bn-005-b05", "dock": 5, "locked": true}, {"bike": "bn-005-b06", "dock": 6, "locked": true, "battery": 90}, {"dock": 7, "locked": false}, {"dock": 8, "locked": false}, {"dock": 9, "locked": false}, {"dock": 10, "locked": false}]', '[]', NULL, NULL, '2026-11-30 19:01:14.253211+00');
INSERT INTO cityhub_upgrade_fixture.mobility_station_state VALUES ('bn-006', true, '2026-11-30 19:01:14.248819+00', '2026-11-30 19:01:14.24868+00', '[{"bike": "bn-006-b01", "dock": 1, "locked": true}, {"bike": "bn-006-b02", "dock": 2, "locked": true}, {"bike": "bn-006-b03", "dock": 3, "locked": true, "battery": 60}, {"bike": "bn-006-b04", "dock": 4, "locked": true}, {"bike": "bn-006-b05", "dock": 5, "locked": true}, {"bike": "bn-006-b06", "dock": 6, "locked": true, "battery": 65}, {"dock": 7, "locked": false}, {"dock": 8, "locked": false}, {"dock": 9, "locked": false}, {"dock": 10, "locked": false}]', '[]', NULL, NULL, '2026-11-30 19:01:14.253211+00');


--
-- Data for Name: mobility_stations; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.mobility_stations VALUES ('bn-001', 'Stazione 1', 'Station 1', '', 41.1338, 14.7826, 10, true, '2026-11-30 19:01:13.964069+00', '2026-11-30 19:01:13.964069+00');
INSERT INTO cityhub_upgrade_fixture.mobility_stations VALUES ('bn-002', 'Stazione 2', 'Station 2', '', 41.12562881260643, 14.787567496429773, 10, true, '2026-11-30 19:01:14.006208+00', '2026-11-30 19:01:14.006208+00');
INSERT INTO cityhub_upgrade_fixture.mobility_stations VALUES ('bn-003', 'Stazione 3', 'Station 3', '', 41.13040570001737, 14.773627821588024, 10, true, '2026-11-30 19:01:14.045601+00', '2026-11-30 19:01:14.045601+00');
INSERT INTO cityhub_upgrade_fixture.mobility_stations VALUES ('bn-004', 'Stazione 4', 'Station 4', '', 41.13466751526334, 14.790853443452425, 10, true, '2026-11-30 19:01:14.136997+00', '2026-11-30 19:01:14.136997+00');
INSERT INTO cityhub_upgrade_fixture.mobility_stations VALUES ('bn-005', 'Stazione 5', 'Station 5', '', 41.120992453402295, 14.780574700577588, 10, true, '2026-11-30 19:01:14.197367+00', '2026-11-30 19:01:14.197367+00');
INSERT INTO cityhub_upgrade_fixture.mobility_stations VALUES ('bn-006', 'Stazione 6', 'Station 6', '', 41.13806707371972, 14.775763496385526, 10, true, '2026-11-30 19:01:14.207056+00', '2026-11-30 19:01:14.207056+00');
INSERT INTO cityhub_upgrade_fixture.mobility_stations VALUES ('bn-007', 'Stazione 7', 'Station 7', '', 41.127052620366996, 14.79588622292855, 10, true, '2026-11-30 19:01:14.217802+00', '2026-11-30 19:01:14.217802+00');
INSERT INTO cityhub_upgrade_fixture.mobility_stations VALUES ('bn-008', 'Stazione 8', 'Station 8', '', 41.1245854161314, 14.76954757821396, 10, true, '2026-11-30 19:01:14.237479+00', '2026-11-30 19:01:14.237479+00');


--
-- Data for Name: mobility_vehicle_types; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.mobility_vehicle_types VALUES ('bike', 'Bicicletta', 'Bicycle', 'human', 0, 'standard', '2026-11-30 19:01:13.954647+00');
INSERT INTO cityhub_upgrade_fixture.mobility_vehicle_types VALUES ('ebike', 'Bicicletta elettrica', 'E-bike', 'electric_assist', 60000, 'ebike', '2026-11-30 19:01:13.95843+00');


--
-- Data for Name: refresh_tokens; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.schema_migrations VALUES (1, '0001_core.sql', '2026-11-30 19:01:12.324041+00');
INSERT INTO cityhub_upgrade_fixture.schema_migrations VALUES (100, '0100_identity.sql', '2026-11-30 19:01:12.388031+00');
INSERT INTO cityhub_upgrade_fixture.schema_migrations VALUES (101, '0101_login_failures_at.sql', '2026-11-30 19:01:12.478069+00');
INSERT INTO cityhub_upgrade_fixture.schema_migrations VALUES (200, '0200_wallet.sql', '2026-11-30 19:01:12.48186+00');
INSERT INTO cityhub_upgrade_fixture.schema_migrations VALUES (300, '0300_vouchers.sql', '2026-11-30 19:01:12.551999+00');
INSERT INTO cityhub_upgrade_fixture.schema_migrations VALUES (301, '0301_voucher_code_failures.sql', '2026-11-30 19:01:12.72123+00');
INSERT INTO cityhub_upgrade_fixture.schema_migrations VALUES (400, '0400_mobility.sql', '2026-11-30 19:01:12.727147+00');
INSERT INTO cityhub_upgrade_fixture.schema_migrations VALUES (401, '0401_mobility_trips.sql', '2026-11-30 19:01:12.790543+00');
INSERT INTO cityhub_upgrade_fixture.schema_migrations VALUES (600, '0600_ticketing.sql', '2026-11-30 19:01:12.809977+00');
INSERT INTO cityhub_upgrade_fixture.schema_migrations VALUES (601, '0601_ticket_code_failures.sql', '2026-11-30 19:01:12.843851+00');
INSERT INTO cityhub_upgrade_fixture.schema_migrations VALUES (602, '0602_ticket_card_refunds.sql', '2026-11-30 19:01:12.847769+00');


--
-- Data for Name: sessions; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Data for Name: signing_keys; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.signing_keys VALUES ('access-uVmmFswlSizg', 'access', '\x302e020100300506032b657004220420dfbe056cf14e133288b1a0d3a4ed657c276240a64dffc99206a37662d86ffb84', true, '2026-11-30 19:01:12.85767+00');
INSERT INTO cityhub_upgrade_fixture.signing_keys VALUES ('qr-Uk6BXJl5YysJ', 'qr', '\x302e020100300506032b65700422042056534bba316452509a6f17e73756eb7b4691b6086475709b95f34994966a05f1', true, '2026-11-30 19:01:12.858251+00');


--
-- Data for Name: ticket_card_refunds; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Data for Name: ticket_claims; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Data for Name: ticket_code_failures; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Data for Name: ticket_orders; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Data for Name: ticket_performances; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.ticket_performances VALUES ('prf_89bgwzxvbxa88h2cywcmydmg6g', 'ven_jaynn6hakjr66hcvqvx09bjx5w', 'Filumena Marturano', '2026-12-07 20:00:00+00', '{"platea": 2500, "galleria": 1500}', '2026-11-30 19:01:13+00', '2026-12-07 20:00:00+00', 'scheduled', '2026-11-30 19:01:13+00');
INSERT INTO cityhub_upgrade_fixture.ticket_performances VALUES ('prf_phwtk8hjmd8xwvss2e2hy69j8w', 'ven_jaynn6hakjr66hcvqvx09bjx5w', 'Le nozze di Figaro', '2026-12-14 20:00:00+00', '{"platea": 2500, "galleria": 1500}', '2026-11-30 19:01:13+00', '2026-12-14 20:00:00+00', 'scheduled', '2026-11-30 19:01:13+00');


--
-- Data for Name: ticket_seats; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/A/1', 'Platea', 'A', 1, 'platea', 0);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/A/2', 'Platea', 'A', 2, 'platea', 1);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/A/3', 'Platea', 'A', 3, 'platea', 2);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/A/4', 'Platea', 'A', 4, 'platea', 3);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/A/5', 'Platea', 'A', 5, 'platea', 4);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/A/6', 'Platea', 'A', 6, 'platea', 5);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/A/7', 'Platea', 'A', 7, 'platea', 6);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/A/8', 'Platea', 'A', 8, 'platea', 7);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/A/9', 'Platea', 'A', 9, 'platea', 8);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/A/10', 'Platea', 'A', 10, 'platea', 9);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/B/1', 'Platea', 'B', 1, 'platea', 10);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/B/2', 'Platea', 'B', 2, 'platea', 11);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/B/3', 'Platea', 'B', 3, 'platea', 12);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/B/4', 'Platea', 'B', 4, 'platea', 13);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/B/5', 'Platea', 'B', 5, 'platea', 14);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/B/6', 'Platea', 'B', 6, 'platea', 15);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/B/7', 'Platea', 'B', 7, 'platea', 16);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/B/8', 'Platea', 'B', 8, 'platea', 17);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/B/9', 'Platea', 'B', 9, 'platea', 18);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/B/10', 'Platea', 'B', 10, 'platea', 19);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/C/1', 'Platea', 'C', 1, 'platea', 20);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/C/2', 'Platea', 'C', 2, 'platea', 21);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/C/3', 'Platea', 'C', 3, 'platea', 22);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/C/4', 'Platea', 'C', 4, 'platea', 23);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/C/5', 'Platea', 'C', 5, 'platea', 24);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/C/6', 'Platea', 'C', 6, 'platea', 25);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/C/7', 'Platea', 'C', 7, 'platea', 26);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/C/8', 'Platea', 'C', 8, 'platea', 27);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/C/9', 'Platea', 'C', 9, 'platea', 28);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Platea/C/10', 'Platea', 'C', 10, 'platea', 29);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/A/1', 'Galleria', 'A', 1, 'galleria', 30);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/A/2', 'Galleria', 'A', 2, 'galleria', 31);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/A/3', 'Galleria', 'A', 3, 'galleria', 32);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/A/4', 'Galleria', 'A', 4, 'galleria', 33);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/A/5', 'Galleria', 'A', 5, 'galleria', 34);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/A/6', 'Galleria', 'A', 6, 'galleria', 35);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/A/7', 'Galleria', 'A', 7, 'galleria', 36);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/A/8', 'Galleria', 'A', 8, 'galleria', 37);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/B/1', 'Galleria', 'B', 1, 'galleria', 38);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/B/2', 'Galleria', 'B', 2, 'galleria', 39);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/B/3', 'Galleria', 'B', 3, 'galleria', 40);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/B/4', 'Galleria', 'B', 4, 'galleria', 41);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/B/5', 'Galleria', 'B', 5, 'galleria', 42);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/B/6', 'Galleria', 'B', 6, 'galleria', 43);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/B/7', 'Galleria', 'B', 7, 'galleria', 44);
INSERT INTO cityhub_upgrade_fixture.ticket_seats VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Galleria/B/8', 'Galleria', 'B', 8, 'galleria', 45);


--
-- Data for Name: ticket_venues; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.ticket_venues VALUES ('ven_jaynn6hakjr66hcvqvx09bjx5w', 'Teatro Comunale Vittorio Emmanuele', 'Corso Garibaldi, 82100 Benevento', '2026-11-30 19:01:13.306849+00');


--
-- Data for Name: tickets; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Data for Name: voucher_campaigns; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.voucher_campaigns VALUES ('cmp_j7ywwktmhnzcz8mh1wcx8ybyv0', 'Benevento riparte: buoni spesa di quartiere', 'Un buono da 10 € per la spesa nei negozi del centro storico e del Rione Libertà, con una spesa minima di 20 €.', 500000, 1000, 0, 2000, 2, '2026-11-29 23:00:00+00', '2027-03-01 23:00:00+00', '["centro-storico", "rione-liberta"]', '[]', '[]', 'single_use', 'open', '2026-11-30 19:01:13.91933+00');


--
-- Data for Name: voucher_code_failures; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Data for Name: voucher_redemptions; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Data for Name: voucher_settlements; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Data for Name: voucher_shops; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--

INSERT INTO cityhub_upgrade_fixture.voucher_shops VALUES ('shp_25f8xsvdwge85bsemdn0qvnsjw', 'Panificio Santa Sofia', 'Piazza Santa Sofia 3', 'centro-storico', 'food', 'IT66X0542803200000000001000', true, '2026-11-30 19:01:13.270939+00');
INSERT INTO cityhub_upgrade_fixture.voucher_shops VALUES ('shp_sf3jrc0g4w047e15kdnqyjwg0c', 'Libreria del Trajano', 'Via Traiano 12', 'centro-storico', 'books', 'IT39X0542803200000000001001', true, '2026-11-30 19:01:13.289049+00');
INSERT INTO cityhub_upgrade_fixture.voucher_shops VALUES ('shp_wpyftxtmfhdtkmqckby8rfybh0', 'Ortofrutta Rione Libertà', 'Viale Principe di Napoli 40', 'rione-liberta', 'food', 'IT12X0542803200000000001002', true, '2026-11-30 19:01:13.290735+00');
INSERT INTO cityhub_upgrade_fixture.voucher_shops VALUES ('shp_9qxgmf4t1xxznjf3np03d0nfv0', 'Ferramenta Pacevecchia', 'Via Pacevecchia 7', 'pacevecchia', 'hardware', 'IT82X0542803200000000001003', true, '2026-11-30 19:01:13.302515+00');


--
-- Data for Name: vouchers; Type: TABLE DATA; Schema: cityhub_upgrade_fixture; Owner: -
--



--
-- Name: audit_log_id_seq; Type: SEQUENCE SET; Schema: cityhub_upgrade_fixture; Owner: -
--

SELECT pg_catalog.setval('cityhub_upgrade_fixture.audit_log_id_seq', 15, true);


--
-- Name: ledger_entries_id_seq; Type: SEQUENCE SET; Schema: cityhub_upgrade_fixture; Owner: -
--

SELECT pg_catalog.setval('cityhub_upgrade_fixture.ledger_entries_id_seq', 4, true);


--
-- Name: login_failures_id_seq; Type: SEQUENCE SET; Schema: cityhub_upgrade_fixture; Owner: -
--

SELECT pg_catalog.setval('cityhub_upgrade_fixture.login_failures_id_seq', 1, false);


--
-- Name: ticket_code_failures_id_seq; Type: SEQUENCE SET; Schema: cityhub_upgrade_fixture; Owner: -
--

SELECT pg_catalog.setval('cityhub_upgrade_fixture.ticket_code_failures_id_seq', 1, false);


--
-- Name: voucher_code_failures_id_seq; Type: SEQUENCE SET; Schema: cityhub_upgrade_fixture; Owner: -
--

SELECT pg_catalog.setval('cityhub_upgrade_fixture.voucher_code_failures_id_seq', 1, false);


--
-- Name: account_grants account_grants_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.account_grants
    ADD CONSTRAINT account_grants_pkey PRIMARY KEY (account_id, role, scope);


--
-- Name: accounts accounts_email_norm_key; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.accounts
    ADD CONSTRAINT accounts_email_norm_key UNIQUE (email_norm);


--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: idempotency_keys idempotency_keys_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (scope, key);


--
-- Name: ledger_accounts ledger_accounts_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ledger_accounts
    ADD CONSTRAINT ledger_accounts_pkey PRIMARY KEY (id);


--
-- Name: ledger_entries ledger_entries_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ledger_entries
    ADD CONSTRAINT ledger_entries_pkey PRIMARY KEY (id);


--
-- Name: ledger_entries ledger_entries_transaction_id_account_id_key; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ledger_entries
    ADD CONSTRAINT ledger_entries_transaction_id_account_id_key UNIQUE (transaction_id, account_id);


--
-- Name: ledger_transactions ledger_transactions_idem_key_key; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ledger_transactions
    ADD CONSTRAINT ledger_transactions_idem_key_key UNIQUE (idem_key);


--
-- Name: ledger_transactions ledger_transactions_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ledger_transactions
    ADD CONSTRAINT ledger_transactions_pkey PRIMARY KEY (id);


--
-- Name: login_failures login_failures_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.login_failures
    ADD CONSTRAINT login_failures_pkey PRIMARY KEY (id);


--
-- Name: mobility_bikes mobility_bikes_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.mobility_bikes
    ADD CONSTRAINT mobility_bikes_pkey PRIMARY KEY (id);


--
-- Name: mobility_docks mobility_docks_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.mobility_docks
    ADD CONSTRAINT mobility_docks_pkey PRIMARY KEY (station_id, dock);


--
-- Name: mobility_occupancy mobility_occupancy_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.mobility_occupancy
    ADD CONSTRAINT mobility_occupancy_pkey PRIMARY KEY (station_id, at);


--
-- Name: mobility_pricing_plans mobility_pricing_plans_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.mobility_pricing_plans
    ADD CONSTRAINT mobility_pricing_plans_pkey PRIMARY KEY (id);


--
-- Name: mobility_rides mobility_rides_command_id_key; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.mobility_rides
    ADD CONSTRAINT mobility_rides_command_id_key UNIQUE (command_id);


--
-- Name: mobility_rides mobility_rides_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.mobility_rides
    ADD CONSTRAINT mobility_rides_pkey PRIMARY KEY (id);


--
-- Name: mobility_station_state mobility_station_state_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.mobility_station_state
    ADD CONSTRAINT mobility_station_state_pkey PRIMARY KEY (station_id);


--
-- Name: mobility_stations mobility_stations_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.mobility_stations
    ADD CONSTRAINT mobility_stations_pkey PRIMARY KEY (id);


--
-- Name: mobility_vehicle_types mobility_vehicle_types_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.mobility_vehicle_types
    ADD CONSTRAINT mobility_vehicle_types_pkey PRIMARY KEY (id);


--
-- Name: refresh_tokens refresh_tokens_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.refresh_tokens
    ADD CONSTRAINT refresh_tokens_pkey PRIMARY KEY (id);


--
-- Name: refresh_tokens refresh_tokens_token_hash_key; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.refresh_tokens
    ADD CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (token_hash);


--
-- Name: signing_keys signing_keys_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.signing_keys
    ADD CONSTRAINT signing_keys_pkey PRIMARY KEY (id);


--
-- Name: ticket_card_refunds ticket_card_refunds_order_id_key; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_card_refunds
    ADD CONSTRAINT ticket_card_refunds_order_id_key UNIQUE (order_id);


--
-- Name: ticket_card_refunds ticket_card_refunds_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_card_refunds
    ADD CONSTRAINT ticket_card_refunds_pkey PRIMARY KEY (id);


--
-- Name: ticket_claims ticket_claims_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_claims
    ADD CONSTRAINT ticket_claims_pkey PRIMARY KEY (performance_id, seat_id);


--
-- Name: ticket_code_failures ticket_code_failures_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_code_failures
    ADD CONSTRAINT ticket_code_failures_pkey PRIMARY KEY (id);


--
-- Name: ticket_orders ticket_orders_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_orders
    ADD CONSTRAINT ticket_orders_pkey PRIMARY KEY (id);


--
-- Name: ticket_performances ticket_performances_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_performances
    ADD CONSTRAINT ticket_performances_pkey PRIMARY KEY (id);


--
-- Name: ticket_seats ticket_seats_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_seats
    ADD CONSTRAINT ticket_seats_pkey PRIMARY KEY (venue_id, id);


--
-- Name: ticket_venues ticket_venues_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_venues
    ADD CONSTRAINT ticket_venues_pkey PRIMARY KEY (id);


--
-- Name: tickets tickets_code_hash_key; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.tickets
    ADD CONSTRAINT tickets_code_hash_key UNIQUE (code_hash);


--
-- Name: tickets tickets_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.tickets
    ADD CONSTRAINT tickets_pkey PRIMARY KEY (id);


--
-- Name: voucher_campaigns voucher_campaigns_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.voucher_campaigns
    ADD CONSTRAINT voucher_campaigns_pkey PRIMARY KEY (id);


--
-- Name: voucher_code_failures voucher_code_failures_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.voucher_code_failures
    ADD CONSTRAINT voucher_code_failures_pkey PRIMARY KEY (id);


--
-- Name: voucher_redemptions voucher_redemptions_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.voucher_redemptions
    ADD CONSTRAINT voucher_redemptions_pkey PRIMARY KEY (id);


--
-- Name: voucher_settlements voucher_settlements_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.voucher_settlements
    ADD CONSTRAINT voucher_settlements_pkey PRIMARY KEY (id);


--
-- Name: voucher_shops voucher_shops_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.voucher_shops
    ADD CONSTRAINT voucher_shops_pkey PRIMARY KEY (id);


--
-- Name: vouchers vouchers_code_hash_key; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.vouchers
    ADD CONSTRAINT vouchers_code_hash_key UNIQUE (code_hash);


--
-- Name: vouchers vouchers_pkey; Type: CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.vouchers
    ADD CONSTRAINT vouchers_pkey PRIMARY KEY (id);


--
-- Name: audit_log_object; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX audit_log_object ON cityhub_upgrade_fixture.audit_log USING btree (object_type, object_id);


--
-- Name: ledger_accounts_owner; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX ledger_accounts_owner ON cityhub_upgrade_fixture.ledger_accounts USING btree (owner_id) WHERE (owner_id <> ''::text);


--
-- Name: ledger_entries_account; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX ledger_entries_account ON cityhub_upgrade_fixture.ledger_entries USING btree (account_id, id DESC);


--
-- Name: ledger_transactions_ref; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX ledger_transactions_ref ON cityhub_upgrade_fixture.ledger_transactions USING btree (ref_type, ref_id) WHERE (ref_type <> ''::text);


--
-- Name: login_failures_at; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX login_failures_at ON cityhub_upgrade_fixture.login_failures USING btree (at);


--
-- Name: login_failures_subject; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX login_failures_subject ON cityhub_upgrade_fixture.login_failures USING btree (subject, at);


--
-- Name: mobility_rides_open; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX mobility_rides_open ON cityhub_upgrade_fixture.mobility_rides USING btree (created_at) WHERE (status = ANY (ARRAY['pending'::text, 'active'::text]));


--
-- Name: mobility_rides_open_bike; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE UNIQUE INDEX mobility_rides_open_bike ON cityhub_upgrade_fixture.mobility_rides USING btree (bike_id) WHERE (status = ANY (ARRAY['pending'::text, 'active'::text]));


--
-- Name: mobility_rides_open_rider; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE UNIQUE INDEX mobility_rides_open_rider ON cityhub_upgrade_fixture.mobility_rides USING btree (rider_id) WHERE (status = ANY (ARRAY['pending'::text, 'active'::text]));


--
-- Name: mobility_rides_pending; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX mobility_rides_pending ON cityhub_upgrade_fixture.mobility_rides USING btree (deadline) WHERE (status = 'pending'::text);


--
-- Name: mobility_rides_rider; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX mobility_rides_rider ON cityhub_upgrade_fixture.mobility_rides USING btree (rider_id, created_at DESC);


--
-- Name: refresh_tokens_account; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX refresh_tokens_account ON cityhub_upgrade_fixture.refresh_tokens USING btree (account_id);


--
-- Name: refresh_tokens_family; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX refresh_tokens_family ON cityhub_upgrade_fixture.refresh_tokens USING btree (family_id);


--
-- Name: sessions_account; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX sessions_account ON cityhub_upgrade_fixture.sessions USING btree (account_id);


--
-- Name: signing_keys_current; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE UNIQUE INDEX signing_keys_current ON cityhub_upgrade_fixture.signing_keys USING btree (purpose) WHERE current;


--
-- Name: ticket_card_refunds_due; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX ticket_card_refunds_due ON cityhub_upgrade_fixture.ticket_card_refunds USING btree (state, updated_at);


--
-- Name: ticket_claims_order; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX ticket_claims_order ON cityhub_upgrade_fixture.ticket_claims USING btree (order_id);


--
-- Name: ticket_code_failures_key; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX ticket_code_failures_key ON cityhub_upgrade_fixture.ticket_code_failures USING btree (key, at);


--
-- Name: ticket_orders_account; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX ticket_orders_account ON cityhub_upgrade_fixture.ticket_orders USING btree (account_id, created_at DESC);


--
-- Name: ticket_orders_performance; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX ticket_orders_performance ON cityhub_upgrade_fixture.ticket_orders USING btree (performance_id, status);


--
-- Name: ticket_performances_start; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX ticket_performances_start ON cityhub_upgrade_fixture.ticket_performances USING btree (starts_at);


--
-- Name: ticket_performances_venue; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX ticket_performances_venue ON cityhub_upgrade_fixture.ticket_performances USING btree (venue_id);


--
-- Name: tickets_account; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX tickets_account ON cityhub_upgrade_fixture.tickets USING btree (account_id, issued_at DESC);


--
-- Name: tickets_live_seat; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE UNIQUE INDEX tickets_live_seat ON cityhub_upgrade_fixture.tickets USING btree (performance_id, seat_id) WHERE (status <> 'cancelled'::text);


--
-- Name: tickets_order; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX tickets_order ON cityhub_upgrade_fixture.tickets USING btree (order_id);


--
-- Name: voucher_code_failures_key; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX voucher_code_failures_key ON cityhub_upgrade_fixture.voucher_code_failures USING btree (key, at);


--
-- Name: voucher_redemptions_campaign; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX voucher_redemptions_campaign ON cityhub_upgrade_fixture.voucher_redemptions USING btree (campaign_id);


--
-- Name: voucher_redemptions_settlement; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX voucher_redemptions_settlement ON cityhub_upgrade_fixture.voucher_redemptions USING btree (settlement_id) WHERE (settlement_id <> ''::text);


--
-- Name: voucher_redemptions_shop; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX voucher_redemptions_shop ON cityhub_upgrade_fixture.voucher_redemptions USING btree (shop_id, at);


--
-- Name: voucher_redemptions_voucher; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX voucher_redemptions_voucher ON cityhub_upgrade_fixture.voucher_redemptions USING btree (voucher_id);


--
-- Name: voucher_settlements_shop; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX voucher_settlements_shop ON cityhub_upgrade_fixture.voucher_settlements USING btree (shop_id, closed_at DESC);


--
-- Name: voucher_shops_district; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX voucher_shops_district ON cityhub_upgrade_fixture.voucher_shops USING btree (district, name);


--
-- Name: vouchers_account; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX vouchers_account ON cityhub_upgrade_fixture.vouchers USING btree (account_id, claimed_at DESC);


--
-- Name: vouchers_campaign_account; Type: INDEX; Schema: cityhub_upgrade_fixture; Owner: -
--

CREATE INDEX vouchers_campaign_account ON cityhub_upgrade_fixture.vouchers USING btree (campaign_id, account_id);


--
-- Name: account_grants account_grants_account_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.account_grants
    ADD CONSTRAINT account_grants_account_id_fkey FOREIGN KEY (account_id) REFERENCES cityhub_upgrade_fixture.accounts(id);


--
-- Name: ledger_entries ledger_entries_account_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ledger_entries
    ADD CONSTRAINT ledger_entries_account_id_fkey FOREIGN KEY (account_id) REFERENCES cityhub_upgrade_fixture.ledger_accounts(id);


--
-- Name: ledger_entries ledger_entries_transaction_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ledger_entries
    ADD CONSTRAINT ledger_entries_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES cityhub_upgrade_fixture.ledger_transactions(id);


--
-- Name: mobility_bikes mobility_bikes_vehicle_type_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.mobility_bikes
    ADD CONSTRAINT mobility_bikes_vehicle_type_id_fkey FOREIGN KEY (vehicle_type_id) REFERENCES cityhub_upgrade_fixture.mobility_vehicle_types(id);


--
-- Name: mobility_docks mobility_docks_station_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.mobility_docks
    ADD CONSTRAINT mobility_docks_station_id_fkey FOREIGN KEY (station_id) REFERENCES cityhub_upgrade_fixture.mobility_stations(id) ON DELETE CASCADE;


--
-- Name: mobility_vehicle_types mobility_vehicle_types_pricing_plan_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.mobility_vehicle_types
    ADD CONSTRAINT mobility_vehicle_types_pricing_plan_id_fkey FOREIGN KEY (pricing_plan_id) REFERENCES cityhub_upgrade_fixture.mobility_pricing_plans(id);


--
-- Name: refresh_tokens refresh_tokens_account_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.refresh_tokens
    ADD CONSTRAINT refresh_tokens_account_id_fkey FOREIGN KEY (account_id) REFERENCES cityhub_upgrade_fixture.accounts(id);


--
-- Name: sessions sessions_account_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.sessions
    ADD CONSTRAINT sessions_account_id_fkey FOREIGN KEY (account_id) REFERENCES cityhub_upgrade_fixture.accounts(id);


--
-- Name: ticket_card_refunds ticket_card_refunds_order_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_card_refunds
    ADD CONSTRAINT ticket_card_refunds_order_id_fkey FOREIGN KEY (order_id) REFERENCES cityhub_upgrade_fixture.ticket_orders(id);


--
-- Name: ticket_claims ticket_claims_order_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_claims
    ADD CONSTRAINT ticket_claims_order_id_fkey FOREIGN KEY (order_id) REFERENCES cityhub_upgrade_fixture.ticket_orders(id);


--
-- Name: ticket_claims ticket_claims_performance_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_claims
    ADD CONSTRAINT ticket_claims_performance_id_fkey FOREIGN KEY (performance_id) REFERENCES cityhub_upgrade_fixture.ticket_performances(id);


--
-- Name: ticket_orders ticket_orders_performance_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_orders
    ADD CONSTRAINT ticket_orders_performance_id_fkey FOREIGN KEY (performance_id) REFERENCES cityhub_upgrade_fixture.ticket_performances(id);


--
-- Name: ticket_performances ticket_performances_venue_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_performances
    ADD CONSTRAINT ticket_performances_venue_id_fkey FOREIGN KEY (venue_id) REFERENCES cityhub_upgrade_fixture.ticket_venues(id);


--
-- Name: ticket_seats ticket_seats_venue_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.ticket_seats
    ADD CONSTRAINT ticket_seats_venue_id_fkey FOREIGN KEY (venue_id) REFERENCES cityhub_upgrade_fixture.ticket_venues(id);


--
-- Name: tickets tickets_order_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.tickets
    ADD CONSTRAINT tickets_order_id_fkey FOREIGN KEY (order_id) REFERENCES cityhub_upgrade_fixture.ticket_orders(id);


--
-- Name: tickets tickets_performance_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.tickets
    ADD CONSTRAINT tickets_performance_id_fkey FOREIGN KEY (performance_id) REFERENCES cityhub_upgrade_fixture.ticket_performances(id);


--
-- Name: tickets tickets_venue_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.tickets
    ADD CONSTRAINT tickets_venue_id_fkey FOREIGN KEY (venue_id) REFERENCES cityhub_upgrade_fixture.ticket_venues(id);


--
-- Name: voucher_redemptions voucher_redemptions_campaign_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.voucher_redemptions
    ADD CONSTRAINT voucher_redemptions_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES cityhub_upgrade_fixture.voucher_campaigns(id);


--
-- Name: voucher_redemptions voucher_redemptions_shop_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.voucher_redemptions
    ADD CONSTRAINT voucher_redemptions_shop_id_fkey FOREIGN KEY (shop_id) REFERENCES cityhub_upgrade_fixture.voucher_shops(id);


--
-- Name: voucher_redemptions voucher_redemptions_voucher_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.voucher_redemptions
    ADD CONSTRAINT voucher_redemptions_voucher_id_fkey FOREIGN KEY (voucher_id) REFERENCES cityhub_upgrade_fixture.vouchers(id);


--
-- Name: voucher_settlements voucher_settlements_shop_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.voucher_settlements
    ADD CONSTRAINT voucher_settlements_shop_id_fkey FOREIGN KEY (shop_id) REFERENCES cityhub_upgrade_fixture.voucher_shops(id);


--
-- Name: vouchers vouchers_campaign_id_fkey; Type: FK CONSTRAINT; Schema: cityhub_upgrade_fixture; Owner: -
--

ALTER TABLE ONLY cityhub_upgrade_fixture.vouchers
    ADD CONSTRAINT vouchers_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES cityhub_upgrade_fixture.voucher_campaigns(id);


--
-- PostgreSQL database dump complete
--

\unrestrict 6bdsY9H5rB1OIOXM1kN7Q2tDL6Gq86jgjbYdf3LddYUmz1XJhjr6oZdLMhbGcYM

