-- Networking (Neutron v2.0 subset): networks, subnets with allocation pools, ports with their fixed IPs,
-- security groups and their rules. Ids are UUIDs; project ids are Keystone's 32-hex strings (no foreign key:
-- the identity tables are another service's). Addresses are stored as host `inet` values (/32 or /128).

CREATE TABLE networks (
  id                    uuid PRIMARY KEY,
  project_id            text NOT NULL,
  name                  text NOT NULL DEFAULT '',
  description           text NOT NULL DEFAULT '',
  admin_state_up        boolean NOT NULL DEFAULT true,
  status                text NOT NULL DEFAULT 'ACTIVE',
  shared                boolean NOT NULL DEFAULT false,
  external              boolean NOT NULL DEFAULT false,
  mtu                   integer NOT NULL DEFAULT 1500 CHECK (mtu >= 68),
  port_security_enabled boolean NOT NULL DEFAULT true,
  tags                  text[] NOT NULL DEFAULT '{}',
  revision_number       integer NOT NULL DEFAULT 0,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX networks_project ON networks (project_id);

CREATE TABLE subnets (
  id                uuid PRIMARY KEY,
  network_id        uuid NOT NULL REFERENCES networks (id),
  project_id        text NOT NULL,
  name              text NOT NULL DEFAULT '',
  description       text NOT NULL DEFAULT '',
  ip_version        smallint NOT NULL CHECK (ip_version IN (4, 6)),
  cidr              cidr NOT NULL,
  gateway_ip        inet,
  enable_dhcp       boolean NOT NULL DEFAULT true,
  dns_nameservers   text[] NOT NULL DEFAULT '{}',
  -- [{"destination": "cidr", "nexthop": "ip"}]
  host_routes       jsonb NOT NULL DEFAULT '[]',
  ipv6_ra_mode      text,
  ipv6_address_mode text,
  tags              text[] NOT NULL DEFAULT '{}',
  revision_number   integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subnets_network ON subnets (network_id);

-- Inclusive address ranges a subnet hands out automatically.
CREATE TABLE subnet_allocation_pools (
  subnet_id uuid NOT NULL REFERENCES subnets (id) ON DELETE CASCADE,
  first_ip  inet NOT NULL,
  last_ip   inet NOT NULL,
  CHECK (first_ip <= last_ip),
  PRIMARY KEY (subnet_id, first_ip)
);

CREATE TABLE ports (
  id                    uuid PRIMARY KEY,
  network_id            uuid NOT NULL REFERENCES networks (id),
  project_id            text NOT NULL,
  name                  text NOT NULL DEFAULT '',
  description           text NOT NULL DEFAULT '',
  mac_address           macaddr NOT NULL,
  admin_state_up        boolean NOT NULL DEFAULT true,
  device_id             text NOT NULL DEFAULT '',
  device_owner          text NOT NULL DEFAULT '',
  port_security_enabled boolean NOT NULL DEFAULT true,
  binding_host_id       text NOT NULL DEFAULT '',
  binding_vnic_type     text NOT NULL DEFAULT 'normal',
  binding_profile       jsonb NOT NULL DEFAULT '{}',
  tags                  text[] NOT NULL DEFAULT '{}',
  revision_number       integer NOT NULL DEFAULT 0,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (network_id, mac_address)
);
CREATE INDEX ports_device ON ports (device_id);
CREATE INDEX ports_project ON ports (project_id);

-- One row per fixed IP of a port. The primary key is what makes IPAM safe: an address is held at most once per
-- subnet, whatever the concurrency.
CREATE TABLE ip_allocations (
  subnet_id  uuid NOT NULL REFERENCES subnets (id),
  ip_address inet NOT NULL,
  port_id    uuid NOT NULL REFERENCES ports (id) ON DELETE CASCADE,
  network_id uuid NOT NULL,
  PRIMARY KEY (subnet_id, ip_address)
);
CREATE INDEX ip_allocations_port ON ip_allocations (port_id);

CREATE TABLE security_groups (
  id              uuid PRIMARY KEY,
  project_id      text NOT NULL,
  name            text NOT NULL DEFAULT '',
  description     text NOT NULL DEFAULT '',
  -- The project's `default` group, created on first need.
  is_default      boolean NOT NULL DEFAULT false,
  stateful        boolean NOT NULL DEFAULT true,
  tags            text[] NOT NULL DEFAULT '{}',
  revision_number integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX security_groups_one_default ON security_groups (project_id) WHERE is_default;
CREATE INDEX security_groups_project ON security_groups (project_id);

CREATE TABLE security_group_rules (
  id                uuid PRIMARY KEY,
  security_group_id uuid NOT NULL REFERENCES security_groups (id) ON DELETE CASCADE,
  project_id        text NOT NULL,
  direction         text NOT NULL CHECK (direction IN ('ingress', 'egress')),
  ethertype         text NOT NULL CHECK (ethertype IN ('IPv4', 'IPv6')),
  protocol          text,
  port_range_min    integer,
  port_range_max    integer,
  remote_ip_prefix  cidr,
  remote_group_id   uuid REFERENCES security_groups (id) ON DELETE CASCADE,
  description       text NOT NULL DEFAULT '',
  revision_number   integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX security_group_rules_group ON security_group_rules (security_group_id);

CREATE TABLE port_security_groups (
  port_id           uuid NOT NULL REFERENCES ports (id) ON DELETE CASCADE,
  security_group_id uuid NOT NULL REFERENCES security_groups (id),
  PRIMARY KEY (port_id, security_group_id)
);
CREATE INDEX port_security_groups_group ON port_security_groups (security_group_id);
