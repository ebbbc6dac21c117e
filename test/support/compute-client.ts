/** A compute API request as a client makes it: token, microversion, JSON body; the answer parsed. */
export interface ComputeAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read Nova's bodies field by field
  body: any;
  headers: Headers;
}

export function computeClient(baseUrl: () => string) {
  return async (token: string, method: string, path: string, body?: unknown, version = '2.1'): Promise<ComputeAnswer> => {
    const res = await fetch(`${baseUrl()}/compute/v2.1${path}`, {
      method,
      headers: { 'X-Auth-Token': token, 'X-OpenStack-Nova-API-Version': version, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const answer = { status: res.status, body: text ? JSON.parse(text) : undefined } as ComputeAnswer;
    // Not enumerable, so `toEqual({ status, body })` compares what the assertion names.
    Object.defineProperty(answer, 'headers', { value: res.headers, enumerable: false });
    return answer;
  };
}
