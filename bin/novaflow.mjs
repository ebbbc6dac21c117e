#!/usr/bin/env node
// The `novaflow` command. Novaflow runs from its TypeScript sources through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../infra/cli.ts');
