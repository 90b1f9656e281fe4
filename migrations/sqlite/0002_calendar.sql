-- The production calendar by year (R-CAL-5), editable by admins, and settings.
CREATE TABLE calendar_years (
    year       INTEGER PRIMARY KEY,
    data       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
