-- One open fault report per citizen and bike or dock: mobility's
-- ReportFault answers a second report of the same thing with the first one
-- while it is open, but two reports racing each other both pass that check;
-- this index refuses the second, and ReportFault then answers it with the
-- first as usual. Reports whose citizen was erased (reported_by emptied)
-- belong to nobody and are left out, so erasing two citizens who reported
-- the same dock does not collide.
--
-- Open duplicates already in the database (same citizen, station, bike and
-- dock) are resolved, not deleted: the oldest stays open for the operator,
-- each later one is marked resolved by "system" now, and its text stays
-- readable in the incident list.
UPDATE mobility_incidents AS i SET resolved_at = now(), resolved_by = 'system'
 WHERE i.kind = 'citizen_report' AND i.resolved_at IS NULL AND i.reported_by <> ''
   AND EXISTS (SELECT 1 FROM mobility_incidents AS o
                WHERE o.kind = 'citizen_report' AND o.resolved_at IS NULL
                  AND o.reported_by = i.reported_by AND o.station_id = i.station_id
                  AND o.bike_id = i.bike_id AND o.dock = i.dock
                  AND (o.raised_at < i.raised_at OR (o.raised_at = i.raised_at AND o.id < i.id)));
CREATE UNIQUE INDEX mobility_incidents_open_report ON mobility_incidents (reported_by, station_id, bike_id, dock)
    WHERE kind = 'citizen_report' AND resolved_at IS NULL AND reported_by <> '';
