import React from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import "./styles.css";
import "./analytics.css";

async function start() {
  // Dev-only fake backend so screens render in a plain browser. `__MOCK_IPC__` is folded to a
  // constant at build time (VITE_MOCK_IPC=1), so a production build contains none of it.
  if (__MOCK_IPC__ || (import.meta.env.DEV && new URLSearchParams(location.search).get("mock") === "1")) {
    const { installMockBackend } = await import("./mock/backend");
    installMockBackend();
  }
  createRoot(document.getElementById("root")!).render(
    <React.StrictMode>
      <App />
    </React.StrictMode>,
  );
}

void start();
