-- A citizen's open report of a bike is one report of that bike wherever it
-- was placed: mobility's ReportFault answers a second report of the bike
-- with the first while it is open, even when the two name two stations (a
-- bike moves, and a report goes to the station the bike was seen at, or
-- the one named when it was seen at none). The unique index on open
-- reports (0411) keyed a bike's report on the station too, so it let two
-- open reports of one bike by one citizen in when they went to two
-- stations; only the domain's lock on the citizen's reports kept them
-- out. Now the database holds the rule itself: a bike's open report is
-- unique by citizen and bike, a dock's (no bike) by citizen, station and
-- dock, as before. Reports whose citizen was erased (reported_by emptied)
-- still belong to nobody and are left out.
--
-- Open reports of one bike by one citizen at two stations already in the
-- database are resolved, not deleted, as 0411 did with its twins: the
-- oldest stays open for the operator (the one ReportFault answers a second
-- report with), each later one is marked resolved by "system" now (Unix
-- microseconds), and its text stays readable in the incident list.
UPDATE mobility_incidents AS i SET resolved_at = CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER), resolved_by = 'system'
 WHERE i.kind = 'citizen_report' AND i.resolved_at IS NULL AND i.reported_by <> '' AND i.bike_id <> ''
   AND EXISTS (SELECT 1 FROM mobility_incidents AS o
                WHERE o.kind = 'citizen_report' AND o.resolved_at IS NULL
                  AND o.reported_by = i.reported_by AND o.bike_id = i.bike_id
                  AND (o.raised_at < i.raised_at OR (o.raised_at = i.raised_at AND o.id < i.id)));
DROP INDEX mobility_incidents_open_report;
CREATE UNIQUE INDEX mobility_incidents_open_bike_report ON mobility_incidents (reported_by, bike_id)
    WHERE kind = 'citizen_report' AND resolved_at IS NULL AND reported_by <> '' AND bike_id <> '';
CREATE UNIQUE INDEX mobility_incidents_open_dock_report ON mobility_incidents (reported_by, station_id, dock)
    WHERE kind = 'citizen_report' AND resolved_at IS NULL AND reported_by <> '' AND bike_id = '';
