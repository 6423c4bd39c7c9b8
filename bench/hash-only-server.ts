/**
 * The ceiling for the login ratio on this machine: a server that does nothing but the hash. It
 * answers `POST /api/v1/auth/login` with one argon2id verification of the bench password, through
 * the service's own hashing (src/features/auth/passwords.ts: the same parameters, the same bound on
 * hashes at once, the same lowered thread priority), behind plain node:http — no framework, no
 * validation, no database, no session. Logins against it, in the same slices as the service's,
 * show what HTTP and a load generator on the same cores cost beside each hash before the service
 * does anything (decision 0012). `PORT` and `HOST` as for the service; `HASH_CONCURRENCY` read by the
 * service's own configuration.
 */
import { createServer } from "node:http";
import { loadConfig } from "../src/config.ts";
import { hashPassword, prepareHashing, verifyPassword } from "../src/features/auth/passwords.ts";
import { BENCH_ADMIN_PASSWORD } from "./support.ts";

await prepareHashing(loadConfig().hashConcurrency);
const target = await hashPassword(BENCH_ADMIN_PASSWORD);

const server = createServer((request, response) => {
  if (request.method === "GET" && request.url === "/readyz") {
    response.end("ready");
    return;
  }
  if (request.method !== "POST" || request.url !== "/api/v1/auth/login") {
    response.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    void (async () => {
      let password = "";
      try {
        password = String((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { password?: unknown }).password ?? "");
      } catch {
        response.writeHead(400).end();
        return;
      }
      const ok = await verifyPassword(target, password);
      response.writeHead(ok ? 200 : 401, { "content-type": "application/json" }).end(ok ? '{"ok":true}' : '{"ok":false}');
    })();
  });
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1");
process.once("SIGTERM", () => server.close(() => process.exit(0)));
