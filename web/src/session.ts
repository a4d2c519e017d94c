// Who is signed in (GET /api/v1/me), shared by the console's pages.
import { ref } from 'vue';
import { api } from './api/client';
import type { paths } from './api/schema';

export type Me = paths['/api/v1/me']['get']['responses'][200]['content']['application/json'];

export const me = ref<Me | null>(null);
/** Why the last GET /me found nobody: 'session_expired' when the browser's session had run out. */
export let lastRefusal: string | null = null;

/** The signed-in user, asked once; null when nobody is signed in. */
export async function loadMe(force = false): Promise<Me | null> {
  if (me.value && !force) return me.value;
  const { data, error, response } = await api.GET('/api/v1/me');
  me.value = response.ok && data ? data : null;
  lastRefusal = me.value ? null : ((error as { error?: { id?: string } } | undefined)?.error?.id ?? null);
  return me.value;
}

export async function signOut(): Promise<void> {
  await api.DELETE('/api/v1/sessions/current');
  me.value = null;
}
