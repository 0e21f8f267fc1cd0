/** The routes an Express app serves, read from its own router stack (for suites that must cover every route). */

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle: any; rawPath?: unknown; name: string };

/**
 * Every route the app serves, as "METHOD /path": Express routes from the router
 * stack (nested routers included), and the endpoint tables of mounted apps that
 * carry one (the monitor). `opaque` collects mounts that list nothing.
 */
export function mountedRoutes(app: { router: { stack: Layer[] } }): { routes: string[]; opaque: string[] } {
  const routes: string[] = [];
  const opaque = new Set<string>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      const at = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      if (layer.route) {
        for (const m of Object.keys(layer.route.methods).filter((m) => m !== '_all')) routes.push(`${m.toUpperCase()} ${prefix}${layer.route.path}`);
      } else if (Array.isArray(layer.handle?.stack)) {
        walk(layer.handle.stack, prefix + at);
      } else if (at) {
        // A mounted app (monitor(): better-call endpoints under its own "/monitor" prefix).
        const endpoints = Object.values(layer.handle).filter((e: any) => typeof e?.path === 'string' && e.options?.method) as { path: string; options: { method: string } }[];
        if (endpoints.length === 0) opaque.add(prefix + at);
        for (const e of endpoints) routes.push(`${e.options.method} ${prefix}${at}${e.path.replace(/^\/monitor/, '')}`);
      }
    }
  };
  walk(app.router.stack, '');
  return { routes, opaque: [...opaque] };
}
