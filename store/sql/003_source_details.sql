-- Migration 3: per loaded file, the export it was recognised as, the time zone its naive timestamps
-- were read in, and the reader's own counts (e.g. snapshot rows without a change) as JSON.
ALTER TABLE source_files ADD COLUMN recognised_as VARCHAR;
ALTER TABLE source_files ADD COLUMN timezone VARCHAR;
ALTER TABLE source_files ADD COLUMN details JSON;
