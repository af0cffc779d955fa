/** Settings the server hands the app at run time (GET /config.json; see server/serve.ts). */
export interface RuntimeConfig {
  /** The web BFF's GraphQL endpoint: queries, mutations and (over SSE) subscriptions. */
  bffUrl: string;
}

// VITE_BFF_URL at build time, for hosting the built files on a server that has no /config.json.
const builtIn: RuntimeConfig = {
  bffUrl: (import.meta.env.VITE_BFF_URL as string | undefined) || 'http://localhost:4100/graphql',
};

export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  try {
    const response = await fetch('/config.json', { cache: 'no-store' });
    if (!response.ok) return builtIn;
    const body: unknown = await response.json();
    const bffUrl = (body as Partial<RuntimeConfig> | null)?.bffUrl;
    return typeof bffUrl === 'string' ? { bffUrl } : builtIn;
  } catch {
    // Served without a config (or it is not JSON): the built-in default still runs the shop.
    return builtIn;
  }
}
