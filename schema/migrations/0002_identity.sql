-- Identity (Keystone v3 subset): domains, projects, users, roles, role assignments, tokens.
-- Ids are Keystone-style 32-hex strings, except the default domain whose id is 'default'.

CREATE TABLE domains (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX domains_name ON domains (lower(name));

CREATE TABLE projects (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  domain_id   text NOT NULL REFERENCES domains (id),
  description text NOT NULL DEFAULT '',
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (domain_id, name)
);

CREATE TABLE users (
  id                 text PRIMARY KEY,
  name               text NOT NULL,
  domain_id          text NOT NULL REFERENCES domains (id),
  password_hash      text,
  enabled            boolean NOT NULL DEFAULT true,
  email              text,
  description        text,
  default_project_id text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (domain_id, name)
);

CREATE TABLE roles (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  description text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX roles_name ON roles (lower(name));

-- Keystone's default implied roles: admin implies member, member implies reader.
CREATE TABLE implied_roles (
  prior_role_id   text NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  implied_role_id text NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  PRIMARY KEY (prior_role_id, implied_role_id)
);

-- A user's role on a project or on a domain (exactly one of the two).
CREATE TABLE role_assignments (
  user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role_id    text NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  project_id text REFERENCES projects (id) ON DELETE CASCADE,
  domain_id  text REFERENCES domains (id) ON DELETE CASCADE,
  CHECK ((project_id IS NULL) <> (domain_id IS NULL))
);
CREATE UNIQUE INDEX role_assignments_unique ON role_assignments (user_id, role_id, coalesce(project_id, ''), coalesce(domain_id, ''));
CREATE INDEX role_assignments_project ON role_assignments (project_id);

-- Tokens are random; only their SHA-256 is stored.
CREATE TABLE tokens (
  token_hash  bytea PRIMARY KEY,
  audit_id    text NOT NULL,
  user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  project_id  text REFERENCES projects (id) ON DELETE CASCADE,
  domain_id   text REFERENCES domains (id) ON DELETE CASCADE,
  methods     text[] NOT NULL,
  issued_at   timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX tokens_expires ON tokens (expires_at);
