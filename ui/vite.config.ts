/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The CSP the Tauri window is expected to use (see README). `vite preview` sends it too,
// so a plain-browser check shows any violation before it reaches the app.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self'; connect-src 'self' ipc: http://ipc.localhost http://127.0.0.1:*; worker-src 'self'; object-src 'none'; base-uri 'self'";

export default defineConfig({
  base: "./",
  plugins: [react()],
  define: {
    // Folded at build time so the dev-only mock backend is dropped from real builds.
    __MOCK_IPC__: JSON.stringify(process.env.VITE_MOCK_IPC === "1"),
  },
  build: {
    outDir: "dist",
    target: "es2021",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 4000,
  },
  worker: { format: "es" },
  server: { port: 5173, strictPort: true },
  preview: { headers: { "Content-Security-Policy": CSP } },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    pool: "threads",
    // One worker per core of the 2-core build machines: the suite takes 104 s instead of 160 s.
    maxWorkers: 2,
    testTimeout: 20000,
    // Each test file imports @dhis2/ui and React afresh (one module graph per file): bundled
    // once into a few files by the optimizer, imports take 19 s instead of 92 s of the workers'
    // time and the suite 100 s instead of 155 s on the 2-core build machines. Not chart.js:
    // tests mock it (vi.mock), and a mocked module stays as it is.
    deps: {
      optimizer: {
        client: {
          enabled: true,
          include: [
            "@dhis2/ui",
            "@dhis2/app-runtime",
            "@dhis2/d2-i18n",
            "react",
            "react-dom",
            "react-dom/client",
            "@testing-library/react",
            "@testing-library/user-event",
            "vanilla-jsoneditor",
            "@tanstack/react-table",
            "@tanstack/react-virtual",
          ],
        },
      },
    },
  },
});
