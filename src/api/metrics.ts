/** Prometheus metrics: process metrics plus an HTTP latency histogram labelled by route template. */
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WriterMetrics } from '../persist/retry.js';

export type Metrics = {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Wall time of one region simulation tick (inputs, rules, state mirroring, interest). */
  tickDuration: Histogram;
  /** Clients connected to region rooms on this process. */
  roomClients: Gauge;
  /** The rooms' writer (src/persist/writer.ts): dropped and retried writes. */
  writes: WriterMetrics;
};

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'leyline_' });
  const httpDuration = new Histogram({
    name: 'leyline_http_request_duration_seconds',
    help: 'HTTP request latency by route template',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const tickDuration = new Histogram({
    name: 'leyline_room_tick_seconds',
    help: 'Region room simulation tick duration',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05],
    registers: [registry],
  });
  const roomClients = new Gauge({ name: 'leyline_room_clients', help: 'Clients in region rooms on this process', registers: [registry] });
  const dropped = new Counter({ name: 'leyline_writes_dropped_total', help: 'Rows dropped by the rooms\' writer: poison (could never be written) or overflow (buffer full in a long outage)', labelNames: ['kind', 'reason'] as const, registers: [registry] });
  const retried = new Counter({ name: 'leyline_write_retries_total', help: 'Failed writes scheduled for another attempt', labelNames: ['kind'] as const, registers: [registry] });
  const writes: WriterMetrics = {
    poisonDropped: (kind, code, rows) => dropped.inc({ kind, reason: `poison:${code}` }, rows),
    overflowDropped: (kind, rows) => dropped.inc({ kind, reason: 'overflow' }, rows),
    retried: (kind) => retried.inc({ kind }),
  };
  return { registry, httpDuration, tickDuration, roomClients, writes };
}

/** Times every request; the route label is the matched template (never the raw URL, to bound cardinality). */
export function httpMetrics(m: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = m.httpDuration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
