-- Key pairs: SSH public keys (or X.509 certificates) a user injects into servers. They belong to a user, not a
-- project; the name is unique per user. Only the public part is kept: a generated private key is shown once.
-- Nova's soft-delete columns are not kept (the API always shows deleted=false, deleted_at=null).

CREATE TABLE key_pairs (
  id          bigserial PRIMARY KEY,
  user_id     text NOT NULL,
  name        text NOT NULL,
  type        text NOT NULL DEFAULT 'ssh' CHECK (type IN ('ssh', 'x509')),
  fingerprint text NOT NULL,
  public_key  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz,
  UNIQUE (user_id, name)
);
