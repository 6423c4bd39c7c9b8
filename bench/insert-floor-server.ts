/**
 * The floor of a durable request on this machine (issue 21): a server that answers
 * `POST /api/v1/auth/forgot-password` with one INSERT of a row (the address and the client's)
 * through the service's own pool (src/db/client.ts: the same driver, the same ten connections),
 * committed before the 202 — behind plain node:http, no framework, no validation, no rate limit, no
 * job queue. No durable request can be cheaper here: forgot password ÷ this server, in the same
 * run, is what the service's own work leaves. `PORT`, `HOST` and `DATABASE_URL` as for the service.
 */
import { createServer } from "node:http";
import { sql } from "drizzle-orm";
import { loadConfig } from "../src/config.ts";
import { openDatabase } from "../src/db/client.ts";

const config = loadConfig();
if (!config.databaseUrl) throw new Error("the floor server needs DATABASE_URL (PostgreSQL)");
const database = await openDatabase({ databaseUrl: config.databaseUrl });
// A logged table of its own, like the request table a durable request writes: a bigserial key and two texts.
await database.db.execute(sql`create table if not exists bench_insert_floor (id bigserial primary key, email text not null, client_address text not null, created_at timestamptz not null default now())`);
await database.db.execute(sql`truncate bench_insert_floor`);

const server = createServer((request, response) => {
  if (request.method === "GET" && request.url === "/readyz") {
    response.end("ready");
    return;
  }
  if (request.method !== "POST" || request.url !== "/api/v1/auth/forgot-password") {
    response.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    void (async () => {
      let email = "";
      try {
        email = String((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { email?: unknown }).email ?? "");
      } catch {
        response.writeHead(400).end();
        return;
      }
      const client = String(request.headers["x-forwarded-for"] ?? request.socket.remoteAddress ?? "");
      try {
        await database.db.execute(sql`insert into bench_insert_floor (email, client_address) values (${email}, ${client})`);
        response.writeHead(202, { "content-type": "application/json" }).end('{"ok":true}');
      } catch {
        response.writeHead(503).end();
      }
    })();
  });
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1");
process.once("SIGTERM", () => server.close(() => void database.close().then(() => process.exit(0))));
