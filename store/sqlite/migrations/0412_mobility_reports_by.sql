-- A citizen's own fault reports, open and resolved, newest first (the
-- API's list of them); reports of erased citizens belong to nobody.
CREATE INDEX mobility_incidents_reported ON mobility_incidents (reported_by, raised_at) WHERE reported_by <> '';
