-- Issue 13: a booking made on the public page waits for the owner of the
-- email address to confirm it (state 'pending', holding its advisors until
-- hold_until), and requests from the page are counted per address, per
-- mobile number and per client address bucket for the daily limits.

ALTER TABLE meetings ADD COLUMN hold_until TEXT;
-- When the owner of the address followed the confirmation link (page
-- bookings only; NULL for API bookings, whose address staff chose).
ALTER TABLE meetings ADD COLUMN address_confirmed_at TEXT;

-- One row per booking request from the public page that was answered with
-- a hold (and a confirmation request). Rows older than a day are pruned.
CREATE TABLE booking_requests (
    id         TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL,
    email      TEXT NOT NULL,
    phone      TEXT,
    bucket     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX booking_requests_email ON booking_requests (email, created_at);
CREATE INDEX booking_requests_phone ON booking_requests (phone, created_at);
CREATE INDEX booking_requests_bucket ON booking_requests (bucket, created_at);
