-- Migrations of instances between hosts (resize, cold migration, live migration, evacuation), as Nova's
-- `migrations` table: a projection of the instance's `migration_*` events, rebuilt with the other projections.
-- During a resize or migration the source host's allocation is held by the migration's uuid as consumer.
CREATE TABLE migrations (
  id                    bigint PRIMARY KEY,
  uuid                  uuid NOT NULL UNIQUE,
  instance_uuid         uuid NOT NULL,
  migration_type        text NOT NULL CHECK (migration_type IN ('resize', 'migration', 'live-migration', 'evacuation')),
  status                text NOT NULL,
  source_compute        text,
  source_node           text,
  dest_compute          text,
  dest_node             text,
  dest_host             text,
  old_flavor            jsonb,
  new_flavor            jsonb,
  old_instance_type_id  bigint,
  new_instance_type_id  bigint,
  memory_total          bigint,
  memory_processed      bigint,
  memory_remaining      bigint,
  disk_total            bigint,
  disk_processed        bigint,
  disk_remaining        bigint,
  user_id               text,
  project_id            text,
  workflow_id           text,
  old_vm_state          text,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz
);
CREATE SEQUENCE migrations_id_seq OWNED BY migrations.id;
CREATE INDEX migrations_instance ON migrations (instance_uuid, created_at DESC);
CREATE INDEX migrations_status ON migrations (status) WHERE status NOT IN ('confirmed', 'reverted', 'completed', 'cancelled', 'failed', 'error');
