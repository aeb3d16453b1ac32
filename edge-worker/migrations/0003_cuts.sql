-- Cuts: the transcript a cut was planned with (its subtitles are made from the same words, even
-- after the asset's transcript is replaced).
ALTER TABLE cuts ADD COLUMN transcript_key TEXT;
