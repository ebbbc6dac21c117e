-- Instances, event-sourced: `instance_events` is the append-only source of truth; `instances`,
-- `instance_actions` and `instance_action_events` are projections written in the same transaction as each
-- event, and can be rebuilt from the events.

CREATE TABLE instance_events (
  instance_uuid uuid NOT NULL,
  seq           bigint NOT NULL,
  type          text NOT NULL,
  payload       jsonb NOT NULL,
  request_id    text,
  workflow_id   text,
  -- Set by workflow activities (workflow id + step): a retried activity appends its events only once.
  idem_key      text,
  at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (instance_uuid, seq)
);
CREATE UNIQUE INDEX instance_events_idem ON instance_events (instance_uuid, idem_key) WHERE idem_key IS NOT NULL;

CREATE TABLE instances (
  uuid              uuid PRIMARY KEY,
  id                bigserial UNIQUE,          -- instance-%08x
  seq               bigint NOT NULL,           -- last event applied
  project_id        text NOT NULL,
  user_id           text NOT NULL,
  name              text NOT NULL,
  description       text,
  hostname          text,
  image_ref         text NOT NULL DEFAULT '',
  flavor            jsonb NOT NULL,
  key_name          text,
  key_data          text,
  user_data         text,
  metadata          jsonb NOT NULL DEFAULT '{}',
  tags              text[] NOT NULL DEFAULT '{}',
  availability_zone text,
  config_drive      text NOT NULL DEFAULT '',
  access_ip_v4      text NOT NULL DEFAULT '',
  access_ip_v6      text NOT NULL DEFAULT '',
  vm_state          text NOT NULL,
  task_state        text,
  power_state       integer NOT NULL DEFAULT 0,
  host              text,
  node              text,
  reservation_id    text NOT NULL,
  launch_index      integer NOT NULL DEFAULT 0,
  locked            boolean NOT NULL DEFAULT false,
  locked_reason     text,
  locked_by         text,
  progress          integer NOT NULL DEFAULT 0,
  fault             jsonb,
  addresses         jsonb NOT NULL DEFAULT '{}',
  security_groups   jsonb NOT NULL DEFAULT '[]',
  request_spec      jsonb NOT NULL,
  launched_at       timestamptz,
  terminated_at     timestamptz,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz,
  deleted_at        timestamptz
);
CREATE INDEX instances_project ON instances (project_id, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX instances_host ON instances (host) WHERE deleted_at IS NULL;

CREATE TABLE instance_actions (
  id            bigserial PRIMARY KEY,
  instance_uuid uuid NOT NULL,
  action        text NOT NULL,
  request_id    text NOT NULL,
  user_id       text,
  project_id    text,
  workflow_id   text,
  start_time    timestamptz NOT NULL,
  finish_time   timestamptz,
  message       text,
  updated_at    timestamptz,
  UNIQUE (instance_uuid, request_id)
);

CREATE TABLE instance_action_events (
  id          bigserial PRIMARY KEY,
  action_id   bigint NOT NULL REFERENCES instance_actions (id) ON DELETE CASCADE,
  event       text NOT NULL,
  start_time  timestamptz NOT NULL,
  finish_time timestamptz,
  result      text,
  traceback   text,
  host        text,
  details     text
);
CREATE INDEX instance_action_events_action ON instance_action_events (action_id, event);

ALTER TABLE resource_providers ADD COLUMN failed_builds integer NOT NULL DEFAULT 0;
