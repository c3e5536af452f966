import { render } from "@testing-library/react";
import { mockIPC } from "@tauri-apps/api/mocks";
import { App } from "../App";
import type { InstancesState, SessionStatus } from "../bindings";
import { loadAllScreens } from "../screens";

// The screens are loaded on first use (screens.tsx). Import their code here, as the static
// import of App used to, so that loading it never eats into a test's findBy/waitFor time.
await loadAllScreens();

export type Handler = (cmd: string, args: Record<string, any>) => unknown;

export const baseState: InstancesState = {
  instances: [
    {
      id: "a",
      name: "Country HMIS",
      baseUrl: "https://hmis.example.org",
      authKind: "basic",
      username: "jane",
      oauth2: null,
      caCertPath: null,
      color: "#2e7d32",
      notes: null,
      secrets: { password: true, pat: false, clientSecret: false, token: false },
    },
  ],
  defaultId: "a",
  activeId: "a",
  storage: { mode: "keyring", detail: null },
  recovery: null,
  readOnly: null,
};

export const signedIn = (id: string): SessionStatus => ({
  instanceId: id,
  state: "signed_in",
  user: { username: "jane", displayName: "Jane" },
  expiresAt: null,
  scopes: [],
  deviceEnrolled: false,
});

/** Installs mockIPC with common defaults; `handler` wins when it returns something other than undefined. */
export function renderApp(handler: Handler, state: InstancesState = baseState) {
  const calls: { cmd: string; args: Record<string, any> }[] = [];
  mockIPC(
    async (cmd, raw) => {
      const args = (raw ?? {}) as Record<string, any>;
      calls.push({ cmd, args });
      const r = await handler(cmd, args);
      if (r !== undefined) return r;
      switch (cmd) {
        case "instances_list":
          return state;
        case "session_status":
          return signedIn(args.instanceId);
        case "browse_history":
          return [];
        default:
          return null;
      }
    },
    { shouldMockEvents: true },
  );
  const utils = render(<App />);
  return { ...utils, calls };
}
