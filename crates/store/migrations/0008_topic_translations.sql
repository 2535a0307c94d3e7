-- Topics' customer-facing texts in other languages: a JSON object by
-- language code, {"fr": {"name": "…", "description": "…", "instructions": "…"}};
-- what a language leaves out falls back to the topic's own text.
ALTER TABLE topics ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
