-- R9: personal data a rater typed into a comment (a phone, an ID number, a
-- bank card, an e-mail address) is masked in `comment`, which every answer,
-- export and public output shows; the comment as written is kept here,
-- encrypted like the rater's identity, and shown only by the audited reveal.
alter table rating add column comment_cipher text;
