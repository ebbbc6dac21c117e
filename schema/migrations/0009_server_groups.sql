-- Server groups: a project's (anti-)affinity groups. `policy` is the single policy (the API showed it as a
-- one-item `policies` list before 2.64); `rules` holds `max_server_per_host` for anti-affinity groups (2.64+).
-- `server_group_members` lists the instances in a group; the scheduler adds them as it places servers.

CREATE TABLE server_groups (
  id          uuid PRIMARY KEY,
  name        text NOT NULL,
  project_id  text NOT NULL,
  user_id     text NOT NULL,
  policy      text NOT NULL CHECK (policy IN ('affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity')),
  rules       jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at  timestamptz
);
CREATE INDEX server_groups_project ON server_groups (project_id, created_at);

CREATE TABLE server_group_members (
  group_id      uuid NOT NULL REFERENCES server_groups (id) ON DELETE CASCADE,
  instance_uuid uuid NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (group_id, instance_uuid)
);
CREATE INDEX server_group_members_instance ON server_group_members (instance_uuid);
