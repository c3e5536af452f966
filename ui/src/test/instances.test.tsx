import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { emit } from "@tauri-apps/api/event";
import { baseState, renderApp } from "./helpers";
import type { InstancesState } from "../bindings";

const oauthState: InstancesState = {
  ...baseState,
  instances: [
    {
      ...baseState.instances[0]!,
      id: "o",
      name: "OAuth HMIS",
      authKind: "oauth2",
      username: null,
      oauth2: { clientId: "c", scope: null, redirectMode: "loopback" },
    },
  ],
  activeId: "o",
  defaultId: "o",
  storage: { mode: "session_only", detail: null },
};

describe("instances screen", () => {
  it("shows the storage banner, session state, and confirms before removing", async () => {
    const user = userEvent.setup();
    const expiresAt = Math.floor(Date.now() / 1000) + 42 * 60 + 20;
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "session_status")
        return { instanceId: args.instanceId, state: "signed_in", user: { username: "jane", displayName: "Jane" }, expiresAt, scopes: [] };
      if (cmd === "instances_remove") return { ...oauthState, instances: [] };
    }, oauthState);
    expect(await screen.findByText("Secure storage is unavailable: secrets will be kept only until you close the app.")).toBeInTheDocument();
    expect(await screen.findByText("Signed in as Jane · expires in 42 min")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Remove" }));
    const modal = await screen.findByTestId("remove-modal");
    expect(within(modal).getByText("Remove OAuth HMIS?")).toBeInTheDocument();
    expect(calls.some((c) => c.cmd === "instances_remove")).toBe(false);
    await user.click(within(modal).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "instances_remove")?.args).toEqual({ id: "o" }));
    expect(await screen.findByText("You have not added any DHIS2 instance yet.")).toBeInTheDocument();
  });

  it("browser sign-in waits with a countdown, can open again, and cancel", async () => {
    const user = userEvent.setup();
    let reject: (e: unknown) => void = () => undefined;
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "session_status") return { instanceId: args.instanceId, state: "needs_sign_in", user: null, expiresAt: null, scopes: [] };
      if (cmd === "session_sign_in") return new Promise((_, r) => (reject = r));
      if (cmd === "session_cancel_sign_in") {
        reject({ kind: "cancelled", message: "cancelled" });
        return null;
      }
    }, oauthState);
    expect(await screen.findByText("Needs sign-in")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Sign in as a different user" }));
    const dialog = await screen.findByTestId("sign-in-dialog");
    await waitFor(() => expect(calls.find((c) => c.cmd === "session_sign_in")?.args).toEqual({ instanceId: "o", differentUser: true, keepSignedIn: false }));
    await emit("sign-in-progress", { instanceId: "o", stage: "waiting_for_browser", authorizeUrl: "https://hmis.example.org/oauth2/authorize?x=1", redirectUri: null });
    expect(await within(dialog).findByText("Continue in your browser")).toBeInTheDocument();
    expect(within(dialog).getByTestId("countdown")).toHaveTextContent(/Time left: [45]:\d\d/);
    await user.click(within(dialog).getByRole("button", { name: "Open again" }));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "plugin:opener|open_url")?.args).toMatchObject({ url: "https://hmis.example.org/oauth2/authorize?x=1" }),
    );
    await user.click(within(dialog).getByRole("button", { name: "Copy link" }));
    expect(await navigator.clipboard.readText()).toBe("https://hmis.example.org/oauth2/authorize?x=1");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "session_cancel_sign_in")).toBe(true));
  });

  it("a finished sign-in names the user, and never shows an empty name", async () => {
    for (const [user, expected] of [
      [{ username: "jane", displayName: "Jane Doe" }, "You are signed in as Jane Doe."],
      [null, "You are signed in."],
    ] as const) {
      const u = userEvent.setup();
      const { unmount } = renderApp((cmd, args) => {
        if (cmd === "session_status") return { instanceId: args.instanceId, state: "signed_out", user: null, expiresAt: null, scopes: [] };
        if (cmd === "session_sign_in") return { instanceId: args.instanceId, state: "signed_in", user, expiresAt: null, scopes: [] };
      }, oauthState);
      await u.click(await screen.findByRole("button", { name: "Sign in" }));
      const dialog = await screen.findByTestId("sign-in-dialog");
      expect(await within(dialog).findByText(expected)).toBeInTheDocument();
      unmount();
    }
  });

  it("names the user by display name, else username, else just \"Signed in\"", async () => {
    const patState: InstancesState = {
      ...baseState,
      instances: [
        { ...baseState.instances[0]!, id: "a", name: "Named" },
        { ...baseState.instances[0]!, id: "b", name: "Username only" },
        { ...baseState.instances[0]!, id: "c", name: "Not checked yet", authKind: "pat", username: null },
      ],
    };
    const users: Record<string, { username: string; displayName: string } | null> = {
      a: { username: "admin", displayName: "John Traore" },
      b: { username: "admin", displayName: "" },
      c: null,
    };
    renderApp((cmd, args) => {
      if (cmd === "session_status")
        return { instanceId: args.instanceId, state: "signed_in", user: users[args.instanceId], expiresAt: null, scopes: [] };
    }, patState);
    expect(await screen.findByText("Signed in as John Traore")).toBeInTheDocument();
    expect(screen.getByText("Signed in as admin")).toBeInTheDocument();
    const states = screen.getAllByTestId("session-state").map((e) => e.textContent);
    expect(states).toEqual(["Signed in as John Traore", "Signed in as admin", "Signed in"]);
  });

  it("a session-changed event (a refused sign-in) turns the card to \"Needs sign-in\" with a Sign in button", async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 5 * 60;
    renderApp((cmd, args) => {
      if (cmd === "session_status")
        return { instanceId: args.instanceId, state: "signed_in", user: { username: "admin", displayName: "John Traore" }, expiresAt, scopes: [] };
    }, oauthState);
    expect(await screen.findByText("Signed in as John Traore · expires in 4 min")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Sign out" })).toBeInTheDocument();
    // What the shell emits after a browse failed with sign_in_required / token_expired.
    await emit("session-changed", { instanceId: "o", state: "needs_sign_in", user: null, expiresAt, scopes: [] });
    expect(await screen.findByText("Needs sign-in")).toBeInTheDocument();
    expect(screen.getByTestId("session-hint")).toHaveTextContent("Your sign-in has expired. Sign in again.");
    expect(screen.getByRole("button", { name: "Sign in" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Sign out" })).not.toBeInTheDocument();
    expect(screen.queryByText(/Signed in as/)).not.toBeInTheDocument();
  });

  it("an access token past its expiry that the app can renew is not called \"expired\"", async () => {
    renderApp((cmd, args) => {
      if (cmd === "session_status")
        return { instanceId: args.instanceId, state: "signed_in", user: { username: "admin", displayName: "Jane" }, expiresAt: 1000, scopes: [] };
    }, oauthState);
    expect(await screen.findByText("Signed in as Jane · renews on next use")).toBeInTheDocument();
    expect(screen.queryByTestId("session-hint")).not.toBeInTheDocument();
  });

  it("\"Renew now\" renews a browser sign-in without the browser, or says to sign in again", async () => {
    const user = userEvent.setup();
    const soon = Math.floor(Date.now() / 1000) + 120;
    const later = Math.floor(Date.now() / 1000) + 3600;
    let refreshable = true;
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "session_status")
        return { instanceId: args.instanceId, state: "signed_in", user: { username: "admin", displayName: "Jane" }, expiresAt: soon, scopes: [] };
      if (cmd === "session_refresh_now") {
        if (!refreshable) throw { kind: "sign_in_required", message: "This sign-in cannot be renewed." };
        return { instanceId: args.instanceId, state: "signed_in", user: { username: "admin", displayName: "Jane" }, expiresAt: later, scopes: [] };
      }
    }, oauthState);
    expect(await screen.findByText("Signed in as Jane · expires in 1 min")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Renew now" }));
    expect(await screen.findByText(/Signed in as Jane · expires in (59|60) min/)).toBeInTheDocument();
    expect(calls.filter((c) => c.cmd === "session_refresh_now")).toHaveLength(1);
    expect(calls.some((c) => c.cmd === "session_sign_in")).toBe(false);
    refreshable = false;
    await user.click(screen.getByRole("button", { name: "Renew now" }));
    expect(await screen.findByTestId("error-notice")).toBeInTheDocument();
  });

  it("after a browser sign-out, says until when DHIS2 still accepts the last sign-in", async () => {
    const user = userEvent.setup();
    const until = Math.floor(Date.now() / 1000) + 240;
    let signedIn = true;
    renderApp((cmd, args) => {
      if (cmd === "session_status")
        return signedIn
          ? { instanceId: args.instanceId, state: "signed_in", user: { username: "admin", displayName: "Jane" }, expiresAt: until, scopes: [] }
          : { instanceId: args.instanceId, state: "signed_out", user: null, expiresAt: null, scopes: [] };
      if (cmd === "session_sign_out") {
        signedIn = false;
        return { instanceId: args.instanceId, state: "signed_out", user: null, expiresAt: null, scopes: [] };
      }
    }, oauthState);
    await user.click(await screen.findByRole("button", { name: "Sign out" }));
    const note = await screen.findByTestId("signed-out-note");
    const time = new Date(until * 1000).toLocaleTimeString("en", { hour: "2-digit", minute: "2-digit" });
    expect(note).toHaveTextContent(`Signed out on this computer. DHIS2 itself still accepts the last sign-in until ${time}`);
  });

  it("tells the user in plain words when the list of instances was set aside", async () => {
    const backupPath = "/home/jane/.config/dhis2w-desktop/profiles.toml.broken-20250101T120000Z";
    renderApp(() => undefined, { ...baseState, instances: [], recovery: { backupPath, reason: "TOML parse error" } });
    const notice = await screen.findByTestId("recovery-notice");
    expect(notice).toHaveTextContent(
      `Your list of instances could not be read, so it was set aside as ${backupPath} and you are starting with an empty list.`,
    );
  });

  it("a profiles file from a newer dhis2w is read-only: a plain notice, no welcome, no Add", async () => {
    const reason = "The profiles file /home/jane/.config/dhis2w-desktop/profiles.toml was written by a newer version of dhis2w (format version 2; this version understands 1).";
    renderApp(() => undefined, { ...baseState, instances: [], readOnly: reason });
    const notice = await screen.findByTestId("read-only-notice");
    expect(notice).toHaveTextContent("Your instances are read-only");
    expect(notice).toHaveTextContent("Update dhis2w Desktop to use them.");
    expect(notice).toHaveTextContent(reason);
    expect(screen.queryByTestId("empty-state")).not.toBeInTheDocument();
    expect(screen.queryByTestId("add-instance")).not.toBeInTheDocument();
  });

  it("signing in to a Basic instance with nothing stored opens the wizard at the credentials", async () => {
    const user = userEvent.setup();
    const signedOut: InstancesState = {
      ...baseState,
      instances: [{ ...baseState.instances[0]!, secrets: { password: false, pat: false, clientSecret: false, token: false } }],
    };
    renderApp((cmd, args) => {
      if (cmd === "session_status") return { instanceId: args.instanceId, state: "signed_out", user: null, expiresAt: null, scopes: [] };
      if (cmd === "session_sign_in") throw { kind: "sign_in_required", message: "No password is saved." };
    }, signedOut);
    expect(await screen.findByText("Signed out")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    const wizard = await screen.findByTestId("wizard");
    expect(within(wizard).getByText("Edit Country HMIS")).toBeInTheDocument();
    expect(within(wizard).getByLabelText(/^Password/)).toBeInTheDocument();
    expect(screen.queryByTestId("sign-in-dialog")).not.toBeInTheDocument();
  });

  it("shows the active instance's colour next to the switcher and along the header's top", async () => {
    renderApp(() => undefined);
    const bar = await screen.findByTestId("switcher-colour");
    expect(bar.style.borderLeftColor).toBe("rgb(46, 125, 50)");
    expect(document.querySelector<HTMLElement>("header.app-header")!.style.borderTopColor).toBe("rgb(46, 125, 50)");
    expect(within(bar).getByText("", { selector: ".color-dot" }).style.background).toBe("rgb(46, 125, 50)");
  });

  it("switches language for every screen string", async () => {
    const user = userEvent.setup();
    renderApp(() => undefined);
    await user.click(await screen.findByRole("button", { name: "Settings" }));
    // Settings is loaded on first use (screens.tsx): wait for it.
    await user.click(await screen.findByLabelText("Français"));
    expect(await screen.findByRole("button", { name: "Paramètres" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Paramètres" })).toBeInTheDocument();
  });
});
