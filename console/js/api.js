let csrf = '';

/** Keeps the session's CSRF token (from the sign-in answer) for the changes that follow. */
export function setCsrf(token) {
  csrf = token;
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls the console API with a path relative to the page (works behind any port-forward); every
 * request that is not a GET carries the CSRF token. Throws ApiError with the relay's message.
 */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    headers['x-csrf-token'] = csrf;
  }
  const response = await fetch(`api/${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    body: body === undefined ? (method === 'GET' ? undefined : '{}') : JSON.stringify(body),
  });
  let json;
  try {
    json = await response.json();
  } catch {
    json = {};
  }
  if (!response.ok) throw new ApiError(response.status, json.error ?? 'error', json.message ?? `HTTP ${response.status}`);
  return json;
}
