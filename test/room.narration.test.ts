/**
 * The game master in region rooms with real clients, a real server, real
 * PostgreSQL, and the built-in narrator (no model configured): `act` and
 * `talk`, every refusal code, NPC relationships with their history, memory
 * in agent_memory, and the REST routes around them.
 */
import assert from 'node:assert/strict';
import type { Room } from '@colyseus/sdk';
import { loadContent } from '../src/content/index.js';
import { NPCS_PER_REGION } from '../src/game/region/index.js';
import { spawnNpcsForRegion, type Npc } from '../src/game/npc.js';
import { NARRATIONS_PER_MINUTE, narrationWindow, TALK_RANGE_BLOCKS } from '../src/game/narration.js';
import { RELATIONSHIP_STEP } from '../src/game/relationships.js';
import { biomeAt, spawnPoint } from '../src/world/index.js';
import { regionLootItems } from '../src/game/outcomes.js';
import { bootTestServer, http, type TestServer } from './support/server.js';
import { newPlayer, nextMessage, placeCharacter, roomSession, ticks, until } from './support/game.js';
import { captureLog } from './support/capture-log.js';
import { OpenAiStub } from './support/openai-stub.js';

const content = loadContent();

/** A region of the world with an NPC of one of `kinds` (its home) and the NPC of that region farthest from it. */
export function regionWithNpc(seed: number, kinds: string[], from = 40): { rx: number; npc: Npc; far: Npc } {
  for (let rx = from; rx < from + 40; rx++) {
    const npcs = spawnNpcsForRegion(seed, rx, 0, content.npcs, (x, z) => biomeAt(seed, Math.floor(x), Math.floor(z)), NPCS_PER_REGION, (x, z) => spawnPoint(seed, Math.floor(x), Math.floor(z)));
    const npc = npcs.find((n) => kinds.includes(n.kind));
    if (!npc) continue;
    const far = [...npcs].sort((a, b) => Math.hypot(b.x - npc.x, b.z - npc.z) - Math.hypot(a.x - npc.x, a.z - npc.z))[0]!;
    if (Math.hypot(far.x - npc.x, far.z - npc.z) > 40) return { rx, npc, far };
  }
  throw new Error(`no region with a ${kinds.join('/')}`);
}

/** Sends an `act`/`talk` and awaits its reply and then its one `narration`, collecting chunks on the way. */
export async function narrate(room: Room<any, any>, type: 'act' | 'talk', payload: unknown) {
  const chunks: { narrationId: string; text: string }[] = [];
  const offChunk = room.onMessage('narration:chunk', (m) => chunks.push(m));
  const final = nextMessage(room, 'narration');
  const reply = await room.request(type, payload);
  assert.equal(reply.ok, true, JSON.stringify(reply));
  const msg = await final;
  offChunk();
  assert.equal(msg.narrationId, reply.data.narrationId);
  return { reply, msg, chunks };
}

describe('game master in region rooms (built-in narrator)', function () {
  this.timeout(60_000);
  let t: TestServer;
  const rooms = roomSession(() => t);

  before(async () => {
    t = await bootTestServer();
  });
  afterEach(() => rooms.leaveAll());
  after(async () => {
    await t?.stop();
  });

  it('act: a narration id at once, then one narration from the built-in narrator carrying it', async () => {
    const p = await newPlayer(t, 'mage');
    await placeCharacter(t, p, 30 * 128 + 40.5, 40.5);
    const room = await rooms.enter(p);
    const { reply, msg } = await narrate(room, 'act', { text: 'I look around the clearing for tracks' });
    assert.match(reply.data.narrationId, /^[0-9a-f-]{36}$/);
    assert.equal(msg.source, 'fallback');
    assert.equal(typeof msg.text, 'string');
    assert.ok(msg.text.length > 10, msg.text);
    assert.equal(msg.outcome, undefined, 'the built-in narrator proposes nothing');

    // The narration is folded into the character's memory (one agent per character).
    const rows = await t.server.orm.em.fork().getConnection().execute<{ kind: string; content: string }[]>(
      `select m.kind, m.content from agent_memory m join ai_agents a on a.id = m.agent_id where a.name = ? and a.kind = 'character_memory'`,
      [`character:${p.characterId}`],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.kind, 'note');
  });

  it('refuses BAD_MESSAGE, UNKNOWN_NPC and OUT_OF_RANGE, and changes nothing', async () => {
    const p = await newPlayer(t, 'warrior');
    const { rx, npc, far } = regionWithNpc(p.seed, ['wolf', 'goblin', 'orc', 'skeleton', 'sand_scorpion', 'giant_crab', 'drowned'], 40);
    await placeCharacter(t, p, npc.x + 2, npc.z);
    const room = await rooms.enter(p);
    assert.equal(room.state.rx, rx);
    for (const [type, payload] of [
      ['act', {}],
      ['act', { text: '' }],
      ['act', { text: '   \u0000  ' }],
      ['act', { text: 'x'.repeat(501) }],
      ['act', { text: 42 }],
      ['act', { text: 'hi', extra: true }],
      ['talk', { text: 'hello' }],
      ['talk', { npcId: 'NPC!', text: 'hello' }],
      ['talk', { npcId: npc.id, text: 'y'.repeat(501) }],
    ] as const) {
      const r = await room.request(type, payload);
      assert.deepEqual([r.ok, r.code], [false, 'BAD_MESSAGE'], `${type} ${JSON.stringify(payload).slice(0, 60)}`);
    }
    const unknown = await room.request('talk', { npcId: `npc:${rx + 1},0:1`, text: 'hello' });
    assert.deepEqual([unknown.ok, unknown.code], [false, 'UNKNOWN_NPC']);
    const tooFar = await room.request('talk', { npcId: far.id, text: 'hello there' });
    assert.deepEqual([tooFar.ok, tooFar.code], [false, 'OUT_OF_RANGE'], JSON.stringify(tooFar));
    assert.match(tooFar.message, new RegExp(`${TALK_RANGE_BLOCKS} blocks`));
    const rel = await http(t.url, 'GET', `/api/characters/${p.characterId}/relationships`, { token: p.token });
    assert.deepEqual(rel.body, [], 'a refused talk leaves no relationship');
  });

  it('NARRATION_LIMIT: one narration in flight, and at most six a minute', async () => {
    const p = await newPlayer(t, 'mage');
    await placeCharacter(t, p, 31 * 128 + 40.5, 40.5);
    const room = await rooms.enter(p);

    // Two at once: the second is refused while the first is in flight.
    const final = nextMessage(room, 'narration');
    const [a, b] = await Promise.all([room.request('act', { text: 'I sing' }), room.request('act', { text: 'I dance' })]);
    const refused = [a, b].filter((r) => !r.ok);
    assert.equal(refused.length, 1, JSON.stringify([a, b]));
    assert.equal(refused[0].code, 'NARRATION_LIMIT');
    await final;

    // One at a time: the window's count runs out. A minute boundary starts the server's count over; a request that
    // straddled one may have been counted in either minute, so it counts as "maybe" in the new one.
    let win = narrationWindow(Date.now()), counted = 1, maybe = 0, straddled = false;
    let limited: any;
    for (let i = 0; i < 2 * NARRATIONS_PER_MINUTE + 2 && !limited; i++) {
      const sentIn = narrationWindow(Date.now());
      const next = nextMessage(room, 'narration');
      const r = await room.request('act', { text: `I count to ${i}` });
      const answeredIn = narrationWindow(Date.now());
      straddled = sentIn !== answeredIn;
      if (answeredIn !== win) {
        win = answeredIn;
        counted = r.ok && sentIn === answeredIn ? 1 : 0;
        maybe = r.ok && sentIn !== answeredIn ? 1 : 0;
      } else if (r.ok) counted++;
      assert.ok(counted <= NARRATIONS_PER_MINUTE, `${counted} in one minute`);
      if (r.ok) await next;
      else limited = r;
    }
    assert.ok(limited, 'refused at last');
    assert.equal(limited.code, 'NARRATION_LIMIT');
    assert.match(limited.message, /a minute/);
    // (A refusal that straddled a boundary was decided in either minute.)
    assert.ok(straddled || counted + maybe >= NARRATIONS_PER_MINUTE, `refused after ${counted} (+${maybe}) in its minute`);
  });

  it('talk in range: an answer in the NPC’s persona, the relationship moves within the step, GET relationships shows it with its history', async () => {
    const p = await newPlayer(t, 'warrior');
    const { npc } = regionWithNpc(p.seed, ['goblin', 'orc', 'wolf', 'skeleton'], 50);
    await placeCharacter(t, p, npc.x + 2, npc.z);
    const room = await rooms.enter(p);
    const { msg } = await narrate(room, 'talk', { npcId: npc.id, text: 'Hello friend, thank you for letting me pass. Please, tell me of this land.' });
    assert.equal(msg.source, 'fallback');
    assert.ok(msg.text.length > 0);
    const rel = msg.outcome?.relationship;
    assert.ok(rel, JSON.stringify(msg));
    assert.deepEqual([rel.npcId, rel.npcKind], [npc.id, npc.kind]);
    assert.ok(rel.delta > 0 && rel.delta <= RELATIONSHIP_STEP, `a courteous talk raises it within the step: ${rel.delta}`);
    assert.equal(rel.value, rel.delta);

    const second = await narrate(room, 'talk', { npcId: npc.id, text: 'Die, you stupid worthless fool!' });
    const rel2 = second.msg.outcome.relationship;
    assert.ok(rel2.delta < 0 && rel2.delta >= -RELATIONSHIP_STEP, `an insult lowers it: ${rel2.delta}`);
    assert.equal(rel2.value, rel.value + rel2.delta);

    const res = await http(t.url, 'GET', `/api/characters/${p.characterId}/relationships`, { token: p.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 1);
    const [r] = res.body;
    assert.deepEqual([r.npcKey, r.npcKind, r.kind, r.value], [npc.id, npc.kind, 'reputation', rel2.value]);
    assert.equal(r.history.length, 2);
    assert.deepEqual(r.history.map((h: any) => h.delta), [rel.delta, rel2.delta]);
    assert.match(r.history[0].said, /Hello friend/);
    assert.ok(typeof r.updatedAt === 'string' && !Number.isNaN(Date.parse(r.updatedAt)));

    // Owner only.
    const other = await newPlayer(t, 'mage');
    assert.equal((await http(t.url, 'GET', `/api/characters/${p.characterId}/relationships`, { token: other.token })).status, 403);
    assert.equal((await http(t.url, 'GET', `/api/characters/${p.characterId}/relationships`)).status, 401);
  });

  it('GET /api/config/models and /api/health say the model is off', async () => {
    const models = await http(t.url, 'GET', '/api/config/models');
    assert.equal(models.status, 200);
    assert.equal(models.body.enabled, false);
    assert.ok(Array.isArray(models.body.genres) && models.body.genres.includes('fantasy'));
    const health = await http(t.url, 'GET', '/api/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.llm, 'disabled');
  });
});

describe('game master in region rooms (a model: the OpenAI-compatible stub)', function () {
  this.timeout(60_000);
  let t: TestServer;
  let stub: OpenAiStub;
  const logs = captureLog('info');
  const rooms = roomSession(() => t);

  before(async () => {
    stub = await OpenAiStub.start();
    t = await bootTestServer({ OPENAI_BASE_URL: stub.baseUrl, OPENAI_API_KEY: 'test-key', OPENAI_MODEL: 'stub-model', LLM_TIMEOUT_MS: '1500' }, { log: logs.log });
  });
  afterEach(async () => {
    await rooms.leaveAll();
    stub.reset();
  });
  after(async () => {
    await t?.stop();
    await stub?.close();
  });

  /** A player standing in region rx (of the rx ≥ 60 range, one per test), with the region's loot items. */
  async function playerIn(rx: number, characterClass = 'mage') {
    const p = await newPlayer(t, characterClass);
    await placeCharacter(t, p, rx * 128 + 40.5, 40.5);
    const kinds = spawnNpcsForRegion(p.seed, rx, 0, content.npcs, (x, z) => biomeAt(p.seed, Math.floor(x), Math.floor(z)), NPCS_PER_REGION, (x, z) => spawnPoint(p.seed, Math.floor(x), Math.floor(z))).map((n) => n.kind);
    return { p, room: await rooms.enter(p), loot: regionLootItems(kinds, content) };
  }

  it('streams chunks, then the final narration from the model, with the context in the prompt', async () => {
    const { p, room } = await playerIn(60);
    stub.enqueue({ kind: 'reply', text: 'Mist curls around the old stones. A raven watches you.\nMEMORY: searched the stones.', chunks: ['Mist curls ', 'around the old stones. ', 'A raven watches you.', '\nMEMORY: searched the stones.'], chunkDelayMs: 20 });
    const { msg, chunks } = await narrate(room, 'act', { text: 'I search the old stones' });
    assert.equal(msg.source, 'llm');
    assert.equal(msg.text, 'Mist curls around the old stones. A raven watches you.');
    assert.ok(chunks.length >= 2, `chunks: ${JSON.stringify(chunks)}`);
    assert.ok(chunks.every((c) => c.narrationId === msg.narrationId));
    assert.equal(chunks.map((c) => c.text).join('').trim(), msg.text, 'the chunks are the prose, never the MEMORY line');
    assert.equal(stub.requests.length, 1);
    assert.match(stub.lastUserMessage(), /I search the old stones/);
    const me = room.state.characters.get(p.characterId);
    assert.match(stub.lastUserMessage(), new RegExp(me.name));
  });

  it('refuses a disallowed proposal (an item of no loot table here, xp 10^6) and logs it; the narration still arrives', async () => {
    const { p, room } = await playerIn(61);
    const xp0 = room.state.characters.get(p.characterId).xp;
    stub.enqueue({ kind: 'reply', text: 'A dragon appears and hands you a crown.\n```json\n{"items":[{"itemId":"dragon_crown","quantity":1},{"itemId":"iron_sword","quantity":50}],"xp":1000000}\n```' });
    const { msg } = await narrate(room, 'act', { text: 'I ask the sky for a dragon' });
    assert.equal(msg.source, 'llm');
    assert.match(msg.text, /dragon/);
    assert.equal(msg.outcome, undefined, 'nothing applied');
    const refused = logs.at('warn').find((l) => l.msg.includes('proposal refused') && l.narrationId === msg.narrationId);
    assert.ok(refused, 'logged');
    assert.deepEqual((refused.dropped as { field: string }[]).map((d) => d.field).sort(), ['items[0]', 'items[1]', 'xp']);
    await ticks(room, 3);
    assert.equal(room.state.characters.get(p.characterId).xp, xp0);
    const detail = await http(t.url, 'GET', `/api/characters/${p.characterId}`, { token: p.token });
    assert.ok(!detail.body.inventory.some((s: any) => ['dragon_crown', 'iron_sword'].includes(s.itemId)));
  });

  it('applies an allowed outcome: xp onto the live character, an item of the region’s loot written through, lore into memory', async () => {
    const { p, room, loot } = await playerIn(62);
    const [itemId] = [...loot.keys()];
    assert.ok(itemId, 'the region has loot tables');
    const xp0 = room.state.characters.get(p.characterId).xp;
    stub.enqueue({ kind: 'reply', text: `You find something useful under the roots.\nMEMORY: found a ${itemId}.\n\`\`\`json\n{"items":[{"itemId":"${itemId}","quantity":1}],"xp":25,"lore":["The roots remember the first leyline."]}\n\`\`\`` });
    const { msg } = await narrate(room, 'act', { text: 'I dig under the roots' });
    assert.deepEqual(msg.outcome, { xp: 25, items: [{ itemId, quantity: 1 }], lore: ['The roots remember the first leyline.'] });
    await until(room, (s) => s.characters.get(p.characterId).xp === xp0 + 25, 'xp in own state');
    const detail = await http(t.url, 'GET', `/api/characters/${p.characterId}`, { token: p.token });
    assert.ok(detail.body.inventory.some((s: any) => s.itemId === itemId), 'the item is in the inventory at once');
    const memory = await t.server.orm.em.fork().getConnection().execute<{ kind: string; content: string }[]>(
      `select m.kind, m.content from agent_memory m join ai_agents a on a.id = m.agent_id where a.name = ? order by m.created_at`,
      [`character:${p.characterId}`],
    );
    assert.deepEqual(memory.map((m) => m.kind), ['note', 'lore']);
    assert.match(memory[0]!.content, new RegExp(`found a ${itemId}`));

    // The next narration's prompt carries the memory.
    stub.enqueue({ kind: 'reply', text: 'You rest.\nMEMORY: rested.' });
    await narrate(room, 'act', { text: 'I rest a while' });
    assert.match(stub.lastUserMessage(), /roots remember the first leyline/);

    // Saved with the character (on leave at the latest).
    await room.leave();
    rooms.forget(room);
    const after = await http(t.url, 'GET', `/api/characters/${p.characterId}`, { token: p.token });
    assert.equal(after.body.xp, xp0 + 25);
  });

  it('talk: the NPC’s persona and relationship go into the prompt; the model’s step is bounded', async () => {
    const p = await newPlayer(t, 'warrior');
    const { npc } = regionWithNpc(p.seed, ['goblin', 'orc', 'wolf', 'skeleton'], 63);
    await placeCharacter(t, p, npc.x + 2, npc.z);
    const room = await rooms.enter(p);
    stub.enqueue({ kind: 'reply', text: 'It eyes you, then nods.\n```json\n{"relationship":10}\n```' });
    const { msg } = await narrate(room, 'talk', { npcId: npc.id, text: 'Hello friend, thank you, please let me pass' });
    assert.equal(msg.source, 'llm');
    const persona = content.npcByKind.get(npc.kind)!.persona!;
    assert.ok(stub.lastUserMessage().includes(persona.slice(0, 40)), 'persona in the prompt');
    assert.equal(msg.outcome.relationship.delta, RELATIONSHIP_STEP, 'tone + proposal, capped at the step');
    stub.enqueue({ kind: 'reply', text: 'It laughs.\n```json\n{"relationship":-80}\n```' });
    const second = await narrate(room, 'talk', { npcId: npc.id, text: 'What is your name?' });
    assert.equal(second.msg.outcome.relationship.delta, 0, 'a step out of bounds is refused; a neutral question moves nothing');
    assert.match(stub.lastUserMessage(), /10/, 'the relationship so far is in the prompt');
  });

  it('a model that never answers: the built-in narrator answers within LLM_TIMEOUT_MS + 1 s', async () => {
    const { room } = await playerIn(64);
    stub.enqueue({ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' });
    const t0 = Date.now();
    const { msg } = await narrate(room, 'act', { text: 'I wait for the oracle' });
    assert.equal(msg.source, 'fallback');
    assert.ok(msg.text.length > 0);
    assert.ok(Date.now() - t0 < 1500 + 1000 + 500, `${Date.now() - t0} ms`);
  });

  it('GET /api/config/models names the model; health says llm ok', async () => {
    const models = await http(t.url, 'GET', '/api/config/models');
    assert.deepEqual([models.body.enabled, models.body.model], [true, 'stub-model']);
    assert.equal(JSON.stringify(models.body).includes('test-key'), false, 'never the key');
    const health = await http(t.url, 'GET', '/api/health');
    assert.ok(['ok', 'degraded'].includes(health.body.llm), JSON.stringify(health.body));
  });
});
