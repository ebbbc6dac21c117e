-- Per-project quota limits that differ from the defaults (os-quota-sets); -1 means unlimited.
CREATE TABLE quotas (
  project_id  text NOT NULL,
  resource    text NOT NULL,
  hard_limit  integer NOT NULL CHECK (hard_limit >= -1),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, resource)
);
