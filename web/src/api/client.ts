// The one way pages talk to the API: typed by the generated schema
// (schema.d.ts, from /docs/json), with the session cookie the sign-in set.
// A 401 sends the user to sign in, and back to where they were afterwards.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

export const api = createClient<paths>({ baseUrl: '/', credentials: 'same-origin' });

/** An API error body: `{ error: { id, message, fields? } }`. */
export interface ApiError {
  error: { id: string; message: string; fields?: { field: string; message: string }[] };
}

let onUnauthorized: (() => void) | undefined;
/** Called once by the app: what to do when the session has ended. */
export function handleUnauthorized(callback: () => void): void {
  onUnauthorized = callback;
}

const sessionGuard: Middleware = {
  onResponse({ response, request }) {
    if (response.status === 401 && !new URL(request.url).pathname.endsWith('/api/v1/sessions')) onUnauthorized?.();
    return response;
  },
};
api.use(sessionGuard);
