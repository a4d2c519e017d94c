-- Issue 12: what leaves the platform, and the evaluation devices at windows.

-- The outbox (R5, R7). Anything sent out (an SMS invitation now; feedback to
-- raters later) is written here in the same transaction as the event that
-- causes it, so nothing acknowledged is lost, and sent by the deliver-outbox
-- job: one item at a time, taken FOR UPDATE SKIP LOCKED and marked in the same
-- transaction as the attempt, so two deliverers never send one item twice.
-- The recipient is confidential (R9): ciphertext, plus a masked copy to show.
create table outbox (
  id               integer generated always as identity primary key,
  channel          text not null check (channel in ('sms')),
  topic            text not null check (length(topic) between 1 and 50), -- 'invitation', …
  occasion_id      integer references occasion (id),
  recipient_cipher text not null,
  recipient_masked text not null,
  body             text not null check (length(body) between 1 and 1000),
  -- pending: to be sent at next_attempt_at; sent; failed: given up, with the reason;
  -- cancelled: no longer wanted (an invitation whose occasion closed before it went).
  status           text not null default 'pending' check (status in ('pending', 'sent', 'failed', 'cancelled')),
  attempts         integer not null default 0,
  next_attempt_at  timestamptz not null,
  last_error       text,
  created_at       timestamptz not null,
  sent_at          timestamptz,
  check ((status = 'sent') = (sent_at is not null))
);
create index outbox_due on outbox (next_attempt_at, id) where status = 'pending';
create index outbox_created on outbox (created_at desc, id desc);
create index outbox_occasion on outbox (occasion_id);

-- Each attempt and its outcome.
create table outbox_attempt (
  id          integer generated always as identity primary key,
  outbox_id   integer not null references outbox (id),
  at          timestamptz not null,
  sender      text not null,
  outcome     text not null check (outcome in ('sent', 'retry', 'failed')),
  detail      text,
  duration_ms integer not null
);
create index outbox_attempt_item on outbox_attempt (outbox_id, id);
create trigger outbox_attempt_append_only before update or delete on outbox_attempt for each row execute function refuse_change();

-- Pairing a device (评价器) with its window: an admin or supervisor asks for a
-- code in the console; typed on the device within 10 minutes, once, it gives
-- the device its key. Only a keyed hash of the code is kept.
create table device_pairing (
  id         integer generated always as identity primary key,
  client_id  integer not null references api_client (id),
  code_hash  text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at    timestamptz
);
create index device_pairing_code on device_pairing (code_hash) where used_at is null;

-- The device's stream finds new occasions at its window by id.
create index occasion_window on occasion (window_id, id);
