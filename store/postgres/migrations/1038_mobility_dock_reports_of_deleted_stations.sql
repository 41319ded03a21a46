-- A station is not deleted while riders' reports of its docks are open
-- (mobility's DeleteStation, reason dock_reports_open), and a report of a
-- dock holds its station until it is written, so that a delete sees it or
-- the report finds no station. Stations deleted before the rule may have
-- left open dock reports behind: a dock no operator can find, and a
-- report that counts against its rider's limit of open reports until
-- someone resolves it blind. They are resolved, not deleted, as 0411 and
-- 1036 did with reports a new rule would not have let stay open: marked
-- resolved by "system" now, their words readable in the incident list and
-- the rider's own. Reports of erased citizens (reported_by emptied) are
-- open reports all the same and are resolved too; a report of a bike,
-- which went to the station where the bike was, is of the bike and stays.
UPDATE mobility_incidents AS i SET resolved_at = now(), resolved_by = 'system'
 WHERE i.kind = 'citizen_report' AND i.resolved_at IS NULL AND i.bike_id = ''
   AND NOT EXISTS (SELECT 1 FROM mobility_stations AS s WHERE s.id = i.station_id);
