-- What Runecast read in each text item: its sentiment in [-1, 1] with the scorer that made it
-- (scores of different scorers are never mixed unseen), and the assets and runes it names.
--
-- An item becomes known at the later of its publication and the time this installation first
-- saw it; features and the text metrics of markets select by that time, never by publication
-- alone, so nothing is used before it could have been read.
ALTER TABLE text_items
  ADD COLUMN sentiment double precision CHECK (sentiment BETWEEN -1 AND 1),
  ADD COLUMN scorer text,
  ADD COLUMN mentions text[] NOT NULL DEFAULT '{}',
  ADD COLUMN known_at_ms bigint GENERATED ALWAYS AS (GREATEST(published_at_ms, seen_at_ms)) STORED,
  ADD CONSTRAINT text_items_scored_with_scorer CHECK ((sentiment IS NULL) = (scorer IS NULL));

CREATE INDEX text_items_by_known_time ON text_items (source, known_at_ms);
CREATE INDEX text_items_by_mention ON text_items USING gin (mentions);
