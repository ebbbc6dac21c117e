-- Images (Glance v2 subset): one row per image, custom properties flat in a jsonb object, tags as an array.
-- Deleting an image keeps its row (status 'deleted', deleted_at set) so an id is never handed out twice; every
-- lookup and index below covers live rows only. The image bytes live in <dataDir>/images/<id>.

CREATE TABLE images (
  id                uuid PRIMARY KEY,
  name              text CHECK (length(name) <= 255),
  status            text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'saving', 'active', 'killed', 'deleted', 'deactivated')),
  visibility        text NOT NULL DEFAULT 'shared' CHECK (visibility IN ('public', 'private', 'shared', 'community')),
  protected         boolean NOT NULL DEFAULT false,
  os_hidden         boolean NOT NULL DEFAULT false,
  owner             text,                                  -- project id; NULL means everyone's
  disk_format       text,
  container_format  text,
  min_disk          integer NOT NULL DEFAULT 0 CHECK (min_disk >= 0),
  min_ram           integer NOT NULL DEFAULT 0 CHECK (min_ram >= 0),
  size              bigint CHECK (size >= 0),
  virtual_size      bigint CHECK (virtual_size >= 0),
  checksum          text,                                  -- md5 hex of the data
  os_hash_algo      text,
  os_hash_value     text,
  properties        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(properties) = 'object'),
  tags              text[] NOT NULL DEFAULT '{}',
  created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_at        timestamptz,
  CHECK ((status = 'deleted') = (deleted_at IS NOT NULL))
);

-- The default listing order (created_at desc, id desc) and the filters clients use.
CREATE INDEX images_created ON images (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX images_name ON images (name) WHERE deleted_at IS NULL;
CREATE INDEX images_status ON images (status) WHERE deleted_at IS NULL;
CREATE INDEX images_visibility ON images (visibility) WHERE deleted_at IS NULL;
CREATE INDEX images_owner ON images (owner) WHERE deleted_at IS NULL;
CREATE INDEX images_tags ON images USING gin (tags) WHERE deleted_at IS NULL;
CREATE INDEX images_properties ON images USING gin (properties jsonb_path_ops) WHERE deleted_at IS NULL;

-- Projects a 'shared' image is shared with, and whether they took it up.
CREATE TABLE image_members (
  image_id    uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  member_id   text NOT NULL,
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (image_id, member_id)
);
CREATE INDEX image_members_member ON image_members (member_id, status);
