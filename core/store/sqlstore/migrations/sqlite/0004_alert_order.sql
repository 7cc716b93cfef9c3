-- The head of each check's queue of alerts to one channel: DueAlerts
-- returns only those, so a down channel's backlog never fills a page.
CREATE INDEX alerts_order ON alerts (channel_id, check_id, state, id);
