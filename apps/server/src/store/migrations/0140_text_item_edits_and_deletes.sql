-- A text item can change after it was stored, as a Discord message does (the gateway tells of
-- edits and deletions). An edit replaces its text and analysis and records when it was made;
-- an older edit arriving late never overwrites a newer one. A deletion removes the text and
-- records when it was seen, keeping the id and times (a tombstone), so a late copy of the
-- message (a page of history read before the deletion) never brings the text back.
ALTER TABLE text_items
  ADD COLUMN edited_at_ms bigint,
  ADD COLUMN deleted_at_ms bigint;
