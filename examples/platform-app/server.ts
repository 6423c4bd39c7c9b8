// node examples/platform-app/server.ts — see README.md for the settings.
import { createServer } from "node:http";
import { createPlatformApp } from "./app.ts";
import { readSettings } from "./config.ts";

let settings;
try {
  settings = readSettings(process.env);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

const handle = createPlatformApp(settings);
const server = createServer((request, response) => void handle(request, response));
// HOST, when set, is the address to bind; by default the host of APP_URL (a loopback address stays private).
const host = process.env.HOST ?? settings.appUrl.hostname.replace(/^\[|\]$/g, "");
server.listen(settings.port, host, () => {
  console.log(`Platform app on ${settings.appUrl.origin}, signing in with ${settings.issuer.href} as client ${settings.clientId}${settings.clientSecret ? "" : " (public)"}`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
