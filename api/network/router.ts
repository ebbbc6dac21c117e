/**
 * The network service (Neutron v2.0 subset) under `/network`: the version list (no token needed), then behind
 * authentication the resource list, extensions, networks, subnets, ports, security groups and rules, and tags.
 * Every error is Neutron's `{"NeutronError": {...}}`.
 */
import { Router } from 'express';
import { neutronError } from '../../activities/services/network/errors.ts';
import { authenticate } from '../auth/authenticate.ts';
import { faultHandler } from '../fault-handler.ts';
import { bodyErrors, jsonBody } from '../json-body.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { neutronFormat } from './faults.ts';
import { networkRoutes } from './networks.ts';
import { portRoutes } from './ports.ts';
import { securityGroupRoutes } from './security-groups.ts';
import { subnetRoutes } from './subnets.ts';
import { tagRoutes } from './tags.ts';
import { EXTENSIONS, extensionView, resourceList, versionList } from './versions.ts';

const routeNotFound = () => neutronError(404, 'HTTPNotFound', 'The resource could not be found.');

export function networkRouter(deps: ServiceDeps): Router {
  const base = `${deps.publicUrl}/network`;
  const router = Router();
  router.get('/', (_req, res) => void res.json(versionList(base)));

  const v2 = Router();
  v2.use(authenticate(deps), jsonBody(deps.maxBodyBytes), bodyErrors);
  v2.get('/', (_req, res) => void res.json(resourceList(base)));
  v2.get('/extensions', (_req, res) => void res.json({ extensions: EXTENSIONS.map(extensionView) }));
  v2.get('/extensions/:alias', (req, res) => {
    const extension = EXTENSIONS.find((e) => e.alias === req.params.alias);
    if (!extension) throw neutronError(404, 'HTTPNotFound', `Extension with alias ${req.params.alias} does not exist`);
    res.json({ extension: extensionView(extension) });
  });
  v2.use(networkRoutes(deps), subnetRoutes(deps), portRoutes(deps), securityGroupRoutes(deps), tagRoutes(deps));
  router.use('/v2.0', v2);

  router.use((_req, _res, next) => next(routeNotFound()));
  router.use(faultHandler(deps.log.child({ component: 'network' }), neutronFormat));
  return router;
}
