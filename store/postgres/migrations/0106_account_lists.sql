-- The administrator's account list pages newest first, so an index in
-- that order serves each page without sorting every account; the role
-- filter (every operator, one shop's staff) finds its grants by role.
CREATE INDEX accounts_newest ON accounts (created_at DESC, id DESC);
CREATE INDEX account_grants_role ON account_grants (role, scope);
