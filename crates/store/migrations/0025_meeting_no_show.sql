-- Issue 16: a meeting the customer did not come to. Marked by the
-- meeting's advisor (or a supervisor) once it has started, undone the same
-- way if marked by mistake; the meeting's state stays `scheduled` (it was
-- not cancelled), and the reports count it as a no-show instead of held.
-- `no_show_by` is the agent who marked it (NULL for a token bound to no
-- agent); both columns are cleared together on undo.
ALTER TABLE meetings ADD COLUMN no_show_at TEXT;
ALTER TABLE meetings ADD COLUMN no_show_by TEXT REFERENCES agents (id);
