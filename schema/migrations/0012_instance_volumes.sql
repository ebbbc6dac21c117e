-- The volumes attached to an instance, as its server view shows them (os-extended-volumes:volumes_attached):
-- a projection of the instance's `volumes_attached` events.
ALTER TABLE instances ADD COLUMN volumes_attached jsonb NOT NULL DEFAULT '[]';
