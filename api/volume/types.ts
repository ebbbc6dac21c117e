/** `/types` (the one default type) and `/os-availability-zone` (the one zone), for clients that look them up. */
import { Router } from 'express';
import { enforce } from '../auth/policy.ts';
import { ApiError } from '../faults.ts';
import { DEFAULT_TYPE_ID, DEFAULT_TYPE_NAME, defaultType } from './views.ts';

export function typeRoutes(): Router {
  const router = Router();
  router.get('/types', (_req, res) => {
    enforce(res.locals.auth, 'volume_extension:type_get_all');
    res.json({ volume_types: [defaultType()] });
  });
  router.get('/types/:id', (req, res) => {
    enforce(res.locals.auth, 'volume_extension:type_get');
    if (![DEFAULT_TYPE_ID, DEFAULT_TYPE_NAME, 'default'].includes(req.params.id)) {
      throw new ApiError(404, `Volume type ${req.params.id} could not be found.`);
    }
    res.json({ volume_type: defaultType() });
  });
  router.get('/os-availability-zone', (_req, res) => {
    enforce(res.locals.auth, 'volume_extension:availability_zone_list');
    res.json({ availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true } }] });
  });
  return router;
}
