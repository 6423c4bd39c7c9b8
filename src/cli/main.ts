import { runCli } from "./run-cli.ts";

// Exit explicitly: pools and the job queue are closed by then, but a stray timer must not keep the terminal waiting.
runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
