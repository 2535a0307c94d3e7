-- API tokens may expire, and say who made them (an admin's name, or the
-- command line). Tokens made before this migration keep no expiry and an
-- unknown creator.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE api_tokens ADD COLUMN created_by TEXT;
