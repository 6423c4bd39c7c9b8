import type { FastifyRequest } from "fastify";

const isLoopbackAddress = (address: string): boolean => /^127\./.test(address) || /^::ffff:127\./i.test(address) || address === "::1";

/**
 * True when the client is on this machine: the connection comes from the loopback address and so
 * does the client the trusted proxies name. A proxy on this machine passing on a client from
 * elsewhere is not a local client, and neither is a client that writes 127.0.0.1 into a header.
 */
export function isLoopbackClient(request: FastifyRequest): boolean {
  return isLoopbackAddress(request.socket.remoteAddress ?? "") && isLoopbackAddress(request.ip);
}
