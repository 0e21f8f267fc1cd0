/**
 * A small OpenAI-compatible chat completions server (node:http) for the ai
 * tests: the only stand-in the game master is tested against. Each request to
 * POST /v1/chat/completions takes the next queued behaviour (else the
 * default): a reply (JSON, or SSE in chunks when the request streams), an
 * HTTP error, or a hang. Every request is recorded (body, headers) so tests
 * can read the prompt; `waitForRequests(n)` and `waitForClosed(n)` await
 * events instead of sleeping.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EventEmitter, once } from 'node:events';

export type StubReply =
  | {
      kind: 'reply';
      /** The whole completion text. */
      text: string;
      /** Streamed pieces (joined they should equal `text`); default: split after each space. */
      chunks?: string[];
      /** 'auto': SSE when the request streams; 'never': always one JSON body; 'reject': 400 to a streaming request. */
      stream?: 'auto' | 'never' | 'reject';
      /** Omitted → usage { prompt_tokens: 100, completion_tokens: 20 }; null → no usage reported. */
      usage?: { prompt_tokens: number; completion_tokens: number } | null;
      /** Before the answer starts. */
      delayMs?: number;
      /** The answer starts only once this settles (a test's own event: "after the player has moved on"). */
      gate?: Promise<unknown>;
      /** Between streamed chunks. */
      chunkDelayMs?: number;
      /** Stream these chunks, then hang (the connection stays open). */
      hangAfterChunks?: boolean;
    }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'hang' };

export type StubRequest = {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: { model?: string; stream?: boolean; messages?: { role: string; content: string }[]; [k: string]: unknown };
};

export class OpenAiStub {
  readonly requests: StubRequest[] = [];
  /** Requests whose connection closed before the stub finished answering (aborted by the client). */
  closedEarly = 0;
  defaultReply: StubReply = { kind: 'reply', text: 'The wind shifts.\nMEMORY: nothing much happened.' };
  private queue: StubReply[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly events = new EventEmitter();
  private timers = new Set<NodeJS.Timeout>();

  private constructor() {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(): Promise<OpenAiStub> {
    const stub = new OpenAiStub();
    stub.server.listen(0, '127.0.0.1');
    await once(stub.server, 'listening');
    return stub;
  }

  /** …/v1, as OPENAI_BASE_URL. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Queues behaviours for the next requests, in order. */
  enqueue(...replies: StubReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  reset(): void {
    this.queue = [];
    this.requests.length = 0;
    this.closedEarly = 0;
    this.defaultReply = { kind: 'reply', text: 'The wind shifts.\nMEMORY: nothing much happened.' };
  }

  /** Resolves once `n` requests in total have arrived. */
  async waitForRequests(n: number): Promise<void> {
    while (this.requests.length < n) await once(this.events, 'request');
  }

  /** Resolves once `n` connections in total were closed by the client before the answer ended. */
  async waitForClosed(n: number): Promise<void> {
    while (this.closedEarly < n) await once(this.events, 'closed');
  }

  /** Every user message the stub received, for prompt assertions. */
  lastUserMessage(): string {
    const msgs = this.requests.at(-1)?.body.messages ?? [];
    return msgs.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
  }

  lastSystemMessage(): string {
    const msgs = this.requests.at(-1)?.body.messages ?? [];
    return msgs.filter((m) => m.role === 'system').map((m) => m.content).join('\n');
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let raw = '';
    for await (const b of req) raw += b;
    let finished = false;
    res.on('close', () => {
      if (!finished) {
        this.closedEarly += 1;
        this.events.emit('closed');
      }
    });
    let body: StubRequest['body'] = {};
    try {
      body = JSON.parse(raw) as StubRequest['body'];
    } catch {
      /* recorded as {} */
    }
    this.requests.push({ path: req.url ?? '', headers: req.headers, body });
    this.events.emit('request');
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      finished = true;
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    const reply = this.queue.shift() ?? this.defaultReply;
    const done = () => {
      finished = true;
    };

    if (reply.kind === 'hang') return; // never answers; the client must give up
    if (reply.kind === 'status') {
      done();
      res
        .writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
        .end(JSON.stringify(reply.body ?? { error: { message: `stub status ${reply.status}`, type: 'stub' } }));
      return;
    }
    if (reply.delayMs) await this.wait(reply.delayMs);
    if (reply.gate) await reply.gate;
    if (res.destroyed) return;
    const usage = reply.usage === undefined ? { prompt_tokens: 100, completion_tokens: 20 } : reply.usage;
    const id = `chatcmpl-stub-${this.requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? 'stub';
    const streamMode = reply.stream ?? 'auto';
    if (body.stream && streamMode === 'reject') {
      this.queue.unshift(reply); // a server that refuses streams: the same reply waits for the request without
      done();
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'streaming is not supported', type: 'invalid_request_error' } }));
      return;
    }
    if (!body.stream || streamMode === 'never') {
      done();
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id, object: 'chat.completion', created, model,
          choices: [{ index: 0, message: { role: 'assistant', content: reply.text }, finish_reason: 'stop' }],
          ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    const chunks = reply.chunks ?? reply.text.split(/(?<= )/);
    send({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    for (const c of chunks) {
      if (reply.chunkDelayMs) await this.wait(reply.chunkDelayMs);
      if (res.destroyed) return;
      send({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: { content: c }, finish_reason: null }] });
    }
    if (reply.hangAfterChunks) return;
    send({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    const wantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
    if (usage && wantsUsage) {
      send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
    }
    done();
    res.end('data: [DONE]\n\n');
  }
}
