import { ApiError, createKubefwdClient, type KubefwdClient } from '../../client/index.ts';

const STORAGE_KEY = 'kubefwd.apiKey';

export interface Session {
  readonly client: KubefwdClient;
  /** Why controls are disabled (a read-only key), or undefined while the key may change state. */
  readonly readOnly: string | undefined;
  /** A control call was refused for the key's scope: disable every control with this reason. */
  markReadOnly(reason: string): void;
  onChange(listener: () => void): void;
  signOut(): void;
}

/** The key lives in sessionStorage only (gone with the tab) and is sent only as a bearer header. */
export const storedKey = (): string | undefined => sessionStorage.getItem(STORAGE_KEY) ?? undefined;

/** What a person should read when signing in fails. */
export function signInMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'UNAUTHORIZED')
      return 'The daemon refused this key (UNAUTHORIZED). Use the admin key it printed at start or a key from its key file.';
    if (err.code === 'API_UNAVAILABLE') return 'The daemon is not answering. Is kubefwd still running?';
    return `${err.message} (${err.code})`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Checks the key against the daemon; keeps it only when it works. */
export async function signIn(apiKey: string, onSignOut: () => void): Promise<Session> {
  const client = createKubefwdClient({ baseUrl: location.origin, apiKey });
  const info = (await client.call(client.api.GET('/api/v1/info'))) as { scope?: unknown };
  sessionStorage.setItem(STORAGE_KEY, apiKey);
  let readOnly =
    info.scope === 'read' ? 'This key has read scope: it can see everything but change nothing.' : undefined;
  const listeners = new Set<() => void>();
  return {
    client,
    get readOnly() {
      return readOnly;
    },
    markReadOnly(reason) {
      if (readOnly) return;
      readOnly = reason;
      for (const l of listeners) l();
    },
    onChange: (l) => void listeners.add(l),
    signOut() {
      sessionStorage.removeItem(STORAGE_KEY);
      onSignOut();
    },
  };
}

/**
 * Runs a control call; a FORBIDDEN answer means the key may only read, so every control is disabled with the
 * daemon's reason. Returns the error message to show, or undefined on success.
 */
export async function control(session: Session, run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'FORBIDDEN') session.markReadOnly(err.message);
    return err instanceof ApiError ? `${err.message} (${err.code})` : String(err);
  }
}
