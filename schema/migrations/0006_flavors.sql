-- Flavors: the sizes servers are built with. `flavorid` is the public id (Nova's ids 1-5 for the defaults).

CREATE TABLE flavors (
  id            bigserial PRIMARY KEY,
  flavorid      text NOT NULL UNIQUE,
  name          text NOT NULL UNIQUE,
  memory_mb     integer NOT NULL CHECK (memory_mb > 0),
  vcpus         integer NOT NULL CHECK (vcpus > 0),
  root_gb       integer NOT NULL CHECK (root_gb >= 0),
  ephemeral_gb  integer NOT NULL DEFAULT 0 CHECK (ephemeral_gb >= 0),
  swap          integer NOT NULL DEFAULT 0 CHECK (swap >= 0),
  rxtx_factor   double precision NOT NULL DEFAULT 1.0,
  is_public     boolean NOT NULL DEFAULT true,
  disabled      boolean NOT NULL DEFAULT false,
  description   text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz
);

CREATE TABLE flavor_extra_specs (
  flavor_id bigint NOT NULL REFERENCES flavors (id) ON DELETE CASCADE,
  key       text NOT NULL,
  value     text NOT NULL,
  PRIMARY KEY (flavor_id, key)
);

-- Which projects may use a private flavor.
CREATE TABLE flavor_projects (
  flavor_id  bigint NOT NULL REFERENCES flavors (id) ON DELETE CASCADE,
  project_id text NOT NULL,
  PRIMARY KEY (flavor_id, project_id)
);

-- First-start steps already taken, so data an operator removed later is not created again.
CREATE TABLE bootstrap_steps (
  name    text PRIMARY KEY,
  done_at timestamptz NOT NULL DEFAULT now()
);
