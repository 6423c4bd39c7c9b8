import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The example application's registration at Latchkey, as `latchkey create-client --json` printed it. */
export interface PlatformAppClient {
  /** Where the app is reached: `localhost`, while Latchkey is on 127.0.0.1, so that the two never share cookies. */
  url: string;
  port: number;
  clientId: string;
  clientSecret: string;
}

export interface PlatformApp {
  url: string;
  /** The app's log (sign-ins, logout tokens received or refused), for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

const root = fileURLToPath(new URL("../../..", import.meta.url));

/**
 * Registers the example app the way its README says, with the operator CLI; `cli` runs
 * `node src/cli/main.ts` on the installation's database. `host`: another than Latchkey's, so the two
 * never share cookies (127.0.0.1 where Latchkey is on localhost, for passkeys).
 */
export async function registerPlatformApp(cli: (args: string[]) => Promise<string>, port: number, host = "localhost"): Promise<PlatformAppClient> {
  const url = `http://${host}:${port}`;
  const printed = await cli([
    "create-client",
    "--name",
    "Platform app",
    "--redirect-uri",
    `${url}/callback`,
    "--post-logout-redirect-uri",
    `${url}/`,
    "--backchannel-logout-uri",
    `${url}/backchannel-logout`,
    "--resource",
    `${url}/api`,
    "--first-party",
    "--json",
  ]);
  const { clientId, clientSecret } = JSON.parse(printed.trim().split("\n").at(-1) ?? "{}") as { clientId?: string; clientSecret?: string };
  if (!clientId || !clientSecret) throw new Error(`create-client --json printed no client id and secret:\n${printed}`);
  return { url, port, clientId, clientSecret };
}

/** `node examples/platform-app/server.ts` as its README starts it, ready when its home page answers. */
export async function startPlatformApp(issuer: string, client: PlatformAppClient): Promise<PlatformApp> {
  const env: NodeJS.ProcessEnv = { ...process.env, LATCHKEY_ISSUER: issuer, APP_URL: client.url, CLIENT_ID: client.clientId, CLIENT_SECRET: client.clientSecret, PORT: String(client.port) };
  delete env.HOST;
  const child: ChildProcess = spawn(process.execPath, ["examples/platform-app/server.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 200));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const output = () => lines.join("\n");

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the platform app exited with code ${child.exitCode}:\n${output()}`);
    const up = await fetch(`${client.url}/`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the platform app did not answer within 20 s:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url: client.url,
    output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
