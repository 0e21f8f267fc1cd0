/**
 * Imported first by the bench's bot process (loadtest/bot-proc.ts): @colyseus/sdk
 * picks `globalThis.WebSocket` (Node's undici) when there is one, else the `ws`
 * package. With `ws` the bench reaches each connection's net.Socket and reads
 * the bytes it received (bytesRead): bytes measured on the socket.
 */
delete (globalThis as { WebSocket?: unknown }).WebSocket;
