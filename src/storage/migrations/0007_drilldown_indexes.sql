-- The ratings behind a score of a small region or agency are found from its
-- occasions (issue 10: a village's drill-down scanned every rating, newest
-- first, looking for its few). A large subtree is still read newest rating
-- first; storage/scores.ts ratingsBehind chooses.
create index occasion_region on occasion (region_code);
create index occasion_agency on occasion (agency_code);
create index occasion_party_region on occasion_party (region_code);
create index occasion_party_agency on occasion_party (agency_code);
