-- Block storage (Cinder v3 subset): volumes, each a file under <dataDir>/volumes/<id>, and their attachments to
-- instances (the attachments API: reserved → attaching → attached; deleting the attachment detaches).

CREATE TABLE volumes (
  id                uuid PRIMARY KEY,
  project_id        text NOT NULL,
  user_id           text NOT NULL,
  name              text,
  description       text,
  size              integer NOT NULL CHECK (size >= 1),
  status            text NOT NULL DEFAULT 'creating'
                    CHECK (status IN ('creating', 'available', 'reserved', 'attaching', 'in-use', 'detaching', 'extending',
                                      'deleting', 'error', 'error_deleting', 'error_extending')),
  attach_status     text NOT NULL DEFAULT 'detached' CHECK (attach_status IN ('detached', 'attaching', 'attached')),
  availability_zone text NOT NULL DEFAULT 'nova',
  volume_type       text NOT NULL DEFAULT '__DEFAULT__',
  bootable          boolean NOT NULL DEFAULT false,
  multiattach       boolean NOT NULL DEFAULT false,
  -- The image the volume was made from (imageRef), kept even when the image file was not found to copy.
  image_id          text,
  metadata          jsonb NOT NULL DEFAULT '{}',
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz
);
CREATE INDEX volumes_project ON volumes (project_id, created_at);

CREATE TABLE volume_attachments (
  id              uuid PRIMARY KEY,
  volume_id       uuid NOT NULL REFERENCES volumes (id) ON DELETE CASCADE,
  instance_uuid   uuid,
  attach_status   text NOT NULL CHECK (attach_status IN ('reserved', 'attaching', 'attached', 'detaching')),
  attach_mode     text NOT NULL DEFAULT 'rw' CHECK (attach_mode IN ('rw', 'ro')),
  connector       jsonb,
  connection_info jsonb,
  attached_host   text,
  mountpoint      text,
  attach_time     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz
);
CREATE INDEX volume_attachments_volume ON volume_attachments (volume_id);
CREATE INDEX volume_attachments_instance ON volume_attachments (instance_uuid);
