/**
 * The website's calls to the server's JSON API: same origin, the session cookie, the session's CSRF
 * token on every state-changing request, and problem+json answers turned into an error with the
 * server's own message.
 */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let csrfToken: string | undefined;

/** Remember the session's CSRF token (from sign-in or GET /v1/session). */
export function useCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  const data = text === '' ? undefined : JSON.parse(text) as unknown;
  if (!res.ok) {
    const p = (data ?? {}) as { code?: string; detail?: string };
    throw new ApiError(res.status, p.code ?? 'HTTP', p.detail ?? `HTTP ${res.status}`);
  }
  return data as T;
}
