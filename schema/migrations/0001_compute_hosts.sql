-- Compute hosts as Nova models them: a compute service (the worker serving compute.<host>) and the resource
-- provider holding the host's inventory, whose generation guards every claim (compare-and-swap).

CREATE TABLE services (
  id              bigserial PRIMARY KEY,
  uuid            uuid NOT NULL UNIQUE,
  host            text NOT NULL,
  "binary"          text NOT NULL,
  topic           text NOT NULL,
  availability_zone text NOT NULL DEFAULT 'nova',
  disabled        boolean NOT NULL DEFAULT false,
  disabled_reason text,
  forced_down     boolean NOT NULL DEFAULT false,
  -- 'up' while heartbeats arrive; 'down' once none came within the service down time.
  state           text NOT NULL DEFAULT 'up' CHECK (state IN ('up', 'down')),
  last_seen_at    timestamptz,
  report_count    bigint NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz,
  deleted_at      timestamptz,
  UNIQUE (host, "binary")
);

CREATE TABLE resource_providers (
  id                        bigserial PRIMARY KEY,
  uuid                      uuid NOT NULL UNIQUE,
  name                      text NOT NULL UNIQUE,      -- hypervisor_hostname
  host                      text NOT NULL,
  service_id                bigint REFERENCES services (id),
  generation                bigint NOT NULL DEFAULT 0,
  hypervisor_type           text NOT NULL,
  hypervisor_version        integer NOT NULL,
  host_ip                   inet,
  vcpus                     integer NOT NULL CHECK (vcpus >= 0),
  memory_mb                 integer NOT NULL CHECK (memory_mb >= 0),
  local_gb                  integer NOT NULL CHECK (local_gb >= 0),
  cpu_allocation_ratio      numeric NOT NULL DEFAULT 4.0,
  ram_allocation_ratio      numeric NOT NULL DEFAULT 1.0,
  disk_allocation_ratio     numeric NOT NULL DEFAULT 1.0,
  reserved_host_memory_mb   integer NOT NULL DEFAULT 512,
  reserved_host_disk_mb     integer NOT NULL DEFAULT 0,
  reserved_host_cpus        integer NOT NULL DEFAULT 0,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz
);
CREATE INDEX resource_providers_host ON resource_providers (host);
