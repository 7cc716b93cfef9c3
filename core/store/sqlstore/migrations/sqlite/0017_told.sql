-- told: the status the check's last alert (not a reminder) announced while
-- that is a bad status ('down', 'failed', 'overrunning'), until the recovery
-- from it is alerted; '' when none. Alerts are decided against it.
ALTER TABLE checks ADD COLUMN told TEXT NOT NULL DEFAULT '';

-- A bad status was alerted when it changed, unless its alert is still held
-- (--alert-after, depends-on, or a replay from a spool).
UPDATE checks SET told = status
	WHERE status IN ('down', 'failed', 'overrunning') AND fail_held = '' AND dep_held = '' AND held_from = '';
-- A replay held from a bad status: that status was alerted.
UPDATE checks SET told = held_from
	WHERE held_from IN ('down', 'failed', 'overrunning') AND fail_held = '' AND dep_held = '';
-- A held failure (--alert-after) or a held change (depends-on) after an
-- alerted bad status (Overrunning, then a failure held at 1 of 3): the
-- status before it, which the hold kept, was alerted. fail_held is the
-- earlier one when both are set.
UPDATE checks SET told = fail_held
	WHERE told = '' AND status != 'paused' AND fail_held IN ('down', 'failed', 'overrunning');
UPDATE checks SET told = dep_held
	WHERE told = '' AND status != 'paused' AND dep_held IN ('down', 'failed', 'overrunning');
-- A paused check: what its newest alert of a change (a reminder repeats its
-- status) announced, if it was bad, so that resuming it On Schedule closes
-- the incident that alert opened.
UPDATE checks SET told = COALESCE((
		SELECT json_extract(a.message, '$.to') FROM alerts a
		WHERE a.check_id = checks.id AND json_extract(a.message, '$.from') != json_extract(a.message, '$.to')
		ORDER BY a.id DESC LIMIT 1), '')
	WHERE status = 'paused';
UPDATE checks SET told = ''
	WHERE status = 'paused' AND told NOT IN ('down', 'failed', 'overrunning');
