/**
 * Compute API microversions: the supported range, header parsing and negotiation, and the response headers.
 * Clients ask with `OpenStack-API-Version: compute 2.x` (2.27+) or the legacy `X-OpenStack-Nova-API-Version:
 * 2.x`; the new header wins when both are sent (and within it the last `compute` entry); no header means the
 * minimum; `latest` means the maximum.
 */
import { ApiError } from './faults.ts';

export class Microversion {
  constructor(
    readonly major: number,
    readonly minor: number,
  ) {}

  compare(other: Microversion): number {
    return this.major - other.major || this.minor - other.minor;
  }

  /** True when this version lies within [min, max] (max open when omitted). */
  within(min: string, max?: string): boolean {
    return this.compare(Microversion.parse(min)) >= 0 && (max === undefined || this.compare(Microversion.parse(max)) <= 0);
  }

  atLeast(version: string): boolean {
    return this.compare(Microversion.parse(version)) >= 0;
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }

  static parse(text: string): Microversion {
    const match = /^([1-9]\d*)\.([1-9]\d*|0)$/.exec(text);
    if (!match) throw new Error(`bad microversion literal ${text}`);
    return new Microversion(Number(match[1]), Number(match[2]));
  }
}

export const MIN_VERSION = new Microversion(2, 1);
export const MAX_VERSION = new Microversion(2, 103);

export const NEW_HEADER = 'OpenStack-API-Version';
export const LEGACY_HEADER = 'X-OpenStack-Nova-API-Version';

type Headers = Record<string, string | string[] | undefined>;

function headerValues(headers: Headers, name: string): string[] {
  const raw = headers[name.toLowerCase()];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(','));
}

/** The requested version text (e.g. "2.37" or "latest"), or undefined when the client asked for none. */
export function requestedVersion(headers: Headers): string | undefined {
  for (const entry of headerValues(headers, NEW_HEADER).reverse()) {
    const [service, version, ...rest] = entry.trim().split(/\s+/);
    if (service?.toLowerCase() === 'compute' && version !== undefined) return [version, ...rest].join(' ').trim();
  }
  const legacy = headerValues(headers, LEGACY_HEADER).map((v) => v.trim());
  return legacy.length ? legacy.at(-1) : undefined;
}

/** Negotiates the request's microversion; 400 for a malformed string, 406 outside the supported range. */
export function negotiate(requested: string | undefined): Microversion {
  if (requested === undefined) return MIN_VERSION;
  if (requested === 'latest') return MAX_VERSION; // lowercase only, as Nova parses it
  let version: Microversion;
  try {
    version = Microversion.parse(requested);
  } catch {
    throw new ApiError(400, `API Version String ${requested} is of invalid format. Must be of format MajorNum.MinorNum.`);
  }
  if (version.compare(MIN_VERSION) < 0 || version.compare(MAX_VERSION) > 0) {
    throw new ApiError(
      406,
      `Version ${requested} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`,
    );
  }
  return version;
}

/** The headers every versioned compute response carries. */
export function versionHeaders(version: Microversion): Record<string, string> {
  return {
    [NEW_HEADER]: `compute ${version}`,
    [LEGACY_HEADER]: String(version),
    Vary: `${NEW_HEADER}, ${LEGACY_HEADER}`,
  };
}
