-- Product versions (R-TKT-4) and bug resolutions (R-TKT-9).
CREATE TABLE product_versions (
    version     TEXT PRIMARY KEY,
    supported   BOOLEAN NOT NULL,
    latest      BOOLEAN NOT NULL,
    released_on TEXT,
    updated_at  TEXT NOT NULL
);

ALTER TABLE tickets ADD COLUMN bug_resolution TEXT;
