import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/** The dashboard: built into web/dist, which the server serves (src/app.ts). */
export default defineConfig({
  root,
  base: "/",
  plugins: [react()],
  // The CSP allows no inline scripts or styles, so nothing may be inlined into index.html.
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", assetsInlineLimit: 0, modulePreload: { polyfill: false } },
  server: { proxy: { "/api": "http://127.0.0.1:3000" } },
});
