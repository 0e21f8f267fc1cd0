/**
 * A minimal OpenAI-compatible chat completions server for the narration
 * benchmark (loadtest/narration.ts): every request waits `latencyMs`, then
 * answers with a short narration — streamed as server-sent events when the
 * request streams (in four pieces, no gap between them), else one JSON body —
 * and reports usage. (The tests have their own, richer stub in test/support;
 * loadtest/ may not import test/.)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';

const TEXT = ['The leyline hums beneath your feet. ', 'A cold wind carries the scent of pine, ', 'and somewhere a bird falls silent.', '\nMEMORY: listened to the leyline.'];

export class BenchOpenAiStub {
  requests = 0;
  private readonly server: http.Server;

  private constructor(private readonly latencyMs: number) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
  }

  static async start(latencyMs: number): Promise<BenchOpenAiStub> {
    const s = new BenchOpenAiStub(latencyMs);
    s.server.listen(0, '127.0.0.1');
    await once(s.server, 'listening');
    return s;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let raw = '';
    for await (const b of req) raw += b;
    this.requests++;
    let body: { stream?: boolean; model?: string } = {};
    try {
      body = JSON.parse(raw);
    } catch {
      /* answered anyway */
    }
    await new Promise((r) => setTimeout(r, this.latencyMs));
    if (res.destroyed) return;
    const id = `bench-${this.requests}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? 'bench';
    const usage = { prompt_tokens: 300, completion_tokens: 40, total_tokens: 340 };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: TEXT.join('') }, finish_reason: 'stop' }], usage }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (d: unknown) => res.write(`data: ${JSON.stringify(d)}\n\n`);
    for (const c of TEXT) send({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: { content: c }, finish_reason: null }] });
    send({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
    res.end('data: [DONE]\n\n');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
