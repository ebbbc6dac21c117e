-- Resources claimed on a provider by a consumer (an instance, or a migration holding the source side of a
-- move), as Placement's allocations; one row per provider and consumer. A claim inserts here and bumps the
-- provider's generation in the same transaction.
CREATE TABLE allocations (
  id                    bigserial PRIMARY KEY,
  resource_provider_id  bigint NOT NULL REFERENCES resource_providers (id),
  consumer_id           uuid NOT NULL,
  vcpus                 integer NOT NULL DEFAULT 0 CHECK (vcpus >= 0),
  memory_mb             integer NOT NULL DEFAULT 0 CHECK (memory_mb >= 0),
  disk_gb               integer NOT NULL DEFAULT 0 CHECK (disk_gb >= 0),
  created_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (resource_provider_id, consumer_id)
);
CREATE INDEX allocations_consumer ON allocations (consumer_id);
