import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, ServiceProcess, startService, type ServiceClient } from "../support/process.ts";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp-server.ts";

const PASSWORD = "seven quiet lanterns 8812";

describe("the PGlite data folder", () => {
  let dataDir: string;
  let smtp: TestSmtpServer;
  let service: ServiceProcess;
  let owner: ServiceClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "latchkey-data-"));
    smtp = await startSmtpServer();
    service = await startService({ env: { DATA_DIR: dataDir, SMTP_URL: smtp.url } });
    owner = service.client();
    const registered = await owner.post("/api/v1/auth/register", { companyName: "Folder Co", name: "Folder Owner", email: "owner@folder.test", password: PASSWORD });
    expect(registered.status).toBe(201);
  });
  afterAll(async () => {
    await service?.kill();
    await smtp?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses a second process on the same folder with a message naming the folder and the owner, and the first keeps working", async () => {
    const second = new ServiceProcess({ env: { DATA_DIR: dataDir, SMTP_URL: smtp.url }, port: await freePort() });
    second.spawn();
    const exit = await second.exited();
    expect(exit.code).toBe(1);
    expect(second.output()).toContain(`The data folder ${dataDir} is in use by another Latchkey process (pid ${service.pid})`);
    expect((await owner.get("/api/v1/auth/me")).status).toBe(200);
  });

  it("survives SIGKILL and reopens its data: the session, the users, and the email queued before the crash", async () => {
    await smtp.refuseConnections();
    const invited = await owner.post("/api/v1/users", { name: "Queued Invitee", email: "invitee@folder.test", role: "user" });
    expect(invited.status).toBe(201);

    expect((await service.kill()).signal).toBe("SIGKILL");
    await smtp.restart();
    // The lock file names a dead process: the restart takes it over.
    await service.start();

    const me = await owner.get("/api/v1/auth/me");
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe("owner@folder.test");
    const list = await owner.get("/api/v1/users?q=queued");
    expect(list.body.users.map((u: { email: string }) => u.email)).toEqual(["invitee@folder.test"]);
    await smtp.waitFor({ to: "invitee@folder.test" }, 60_000);
    expect((await service.client().post("/api/v1/auth/login", { email: "owner@folder.test", password: PASSWORD })).status).toBe(200);
  });
});
