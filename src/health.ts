/**
 * Health of the parts a process depends on (database, Redis, queue, LLM), reported by `GET /api/health`.
 * `degraded`: working with a fallback (the LLM failing recently: the built-in narrator answers); only `down` makes the report degraded.
 */
export type HealthStatus = 'ok' | 'down' | 'disabled' | 'degraded';
export type HealthCheck = { name: string; check(): Promise<HealthStatus> };

const CHECK_TIMEOUT_MS = 2000;

export async function runHealthChecks(checks: HealthCheck[]): Promise<{ status: 'ok' | 'degraded'; [name: string]: string }> {
  const results = await Promise.all(
    checks.map(async (c) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<HealthStatus>((resolve) => (timer = setTimeout(() => resolve('down'), CHECK_TIMEOUT_MS)));
      const status = await Promise.race([c.check().catch((): HealthStatus => 'down'), timeout]);
      clearTimeout(timer);
      return [c.name, status] as const;
    }),
  );
  const degraded = results.some(([, s]) => s === 'down');
  return { status: degraded ? 'degraded' : 'ok', ...Object.fromEntries(results) };
}
