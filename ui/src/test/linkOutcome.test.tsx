// Issue 10: the outcome of a sign-in link no running sign-in took (typically: the link started
// the app), taken once at start-up (app_deep_link_result) or arriving as `deep-link-result`;
// and the "different user" wording in the sign-in dialog.
import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { emit } from "@tauri-apps/api/event";
import { baseState, renderApp } from "./helpers";
import type { DeepLinkOutcome, InstancesState, SessionStatus } from "../bindings";

const oauthState: InstancesState = {
  ...baseState,
  instances: [
    {
      ...baseState.instances[0]!,
      id: "o",
      name: "OAuth HMIS",
      authKind: "oauth2",
      username: null,
      oauth2: { clientId: "c", scope: null, redirectMode: "deep_link" },
    },
  ],
  activeId: "o",
  defaultId: "o",
};

const status = (state: SessionStatus["state"], displayName = "Amina Kamara"): SessionStatus => ({
  instanceId: "o",
  state,
  user: state === "signed_in" ? { username: "amina", displayName } : null,
  expiresAt: null,
  scopes: [],
  deviceEnrolled: false,
});

const OK: DeepLinkOutcome = { status: status("signed_in"), error: null };
const EXPIRED: DeepLinkOutcome = {
  status: null,
  error: { kind: "sign_in_required", message: "This sign-in link has expired. Sign in again." },
};
const SUCCESS_WORDS = "You are signed in to OAuth HMIS as Amina Kamara. The sign-in finished when the app started.";

describe("a sign-in link that starts the app", () => {
  it("a success taken at start-up names the instance and user, updates the card, and can be dismissed", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd) => {
      if (cmd === "session_status") return status("signed_out");
      if (cmd === "app_deep_link_result") return OK;
    }, oauthState);
    const notice = await screen.findByTestId("link-outcome");
    expect(notice).toHaveTextContent(SUCCESS_WORDS);
    // Taken once, after the instances were loaded.
    const order = calls.map((c) => c.cmd);
    expect(order.filter((c) => c === "app_deep_link_result").length).toBeGreaterThanOrEqual(1);
    expect(order.indexOf("instances_list")).toBeLessThan(order.indexOf("app_deep_link_result"));
    // The session state follows the outcome.
    const card = (await screen.findByRole("heading", { name: "OAuth HMIS" })).closest("li")!;
    await waitFor(() => expect(within(card).getByTestId("session-state")).toHaveTextContent("Amina Kamara"));

    await user.click(within(notice).getByRole("button", { name: "Close" }));
    expect(screen.queryByTestId("link-outcome")).not.toBeInTheDocument();
  });

  it("an expired link says so, with the next step", async () => {
    renderApp((cmd) => {
      if (cmd === "session_status") return status("signed_out");
      if (cmd === "app_deep_link_result") return EXPIRED;
    }, oauthState);
    const notice = await screen.findByTestId("link-outcome");
    expect(notice).toHaveTextContent("This sign-in link has expired. Sign in again.");
    expect(notice).toHaveTextContent("What to do: Press Sign in for this instance.");
    expect(screen.queryByText(/The sign-in finished when the app started/)).not.toBeInTheDocument();
  });

  it("nothing is shown when there is no outcome", async () => {
    const { calls } = renderApp((cmd) => {
      if (cmd === "session_status") return status("signed_out");
    }, oauthState);
    await screen.findByRole("heading", { name: "OAuth HMIS" });
    await waitFor(() => expect(calls.some((c) => c.cmd === "app_deep_link_result")).toBe(true));
    expect(screen.queryByTestId("link-outcome")).not.toBeInTheDocument();
  });

  it("an outcome arriving later as an event shows too, and dismiss hides it", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd) => {
      if (cmd === "session_status") return status("signed_out");
    }, oauthState);
    await screen.findByRole("heading", { name: "OAuth HMIS" });
    await waitFor(() => expect(calls.some((c) => c.cmd === "app_deep_link_result")).toBe(true));
    expect(screen.queryByTestId("link-outcome")).not.toBeInTheDocument();

    await emit("deep-link-result", EXPIRED);
    const expired = await screen.findByTestId("link-outcome");
    expect(expired).toHaveTextContent("This sign-in link has expired. Sign in again.");
    await user.click(within(expired).getByRole("button", { name: "Close" }));
    expect(screen.queryByTestId("link-outcome")).not.toBeInTheDocument();

    await emit("deep-link-result", OK);
    expect(await screen.findByTestId("link-outcome")).toHaveTextContent(SUCCESS_WORDS);
    const card = (await screen.findByRole("heading", { name: "OAuth HMIS" })).closest("li")!;
    await waitFor(() => expect(within(card).getByTestId("session-state")).toHaveTextContent("Amina Kamara"));
  });
});

describe("sign in as a different user", () => {
  it("says the browser first signs out of DHIS2, while starting and while waiting; not for an ordinary sign-in", async () => {
    const user = userEvent.setup();
    const pending: { resolve: (s: SessionStatus) => void } = { resolve: () => undefined };
    const { calls } = renderApp((cmd) => {
      if (cmd === "session_status") return status("signed_in", "Jane");
      if (cmd === "session_sign_in") return new Promise<SessionStatus>((res) => (pending.resolve = res));
    }, oauthState);
    await user.click(await screen.findByRole("button", { name: "Sign in as a different user" }));
    const dialog = await screen.findByTestId("sign-in-dialog");
    const words = "Your browser first signs you out of DHIS2, then asks who is signing in.";
    expect(await within(dialog).findByTestId("different-user-note")).toHaveTextContent(words);
    await waitFor(() => expect(calls.find((c) => c.cmd === "session_sign_in")?.args).toEqual({ instanceId: "o", differentUser: true, keepSignedIn: false }));

    await emit("sign-in-progress", { instanceId: "o", stage: "waiting_for_browser", authorizeUrl: "https://hmis.example.org/oauth2/authorize?x=1", redirectUri: null });
    expect(await within(dialog).findByText("Continue in your browser")).toBeInTheDocument();
    expect(within(dialog).getByTestId("different-user-note")).toHaveTextContent(words);

    pending.resolve(status("signed_in", "Amina Kamara"));
    expect(await within(dialog).findByText("You are signed in as Amina Kamara.")).toBeInTheDocument();
    expect(within(dialog).queryByTestId("different-user-note")).not.toBeInTheDocument();
  });

  it("an ordinary sign-in has no such line", async () => {
    const user = userEvent.setup();
    renderApp((cmd) => {
      if (cmd === "session_status") return status("signed_out");
      if (cmd === "session_sign_in") return new Promise<SessionStatus>(() => undefined);
    }, oauthState);
    const card = (await screen.findByRole("heading", { name: "OAuth HMIS" })).closest("li")!;
    await user.click(within(card).getByRole("button", { name: "Sign in" }));
    const dialog = await screen.findByTestId("sign-in-dialog");
    await emit("sign-in-progress", { instanceId: "o", stage: "waiting_for_browser", authorizeUrl: "https://hmis.example.org/oauth2/authorize?x=1", redirectUri: null });
    expect(await within(dialog).findByText("Continue in your browser")).toBeInTheDocument();
    expect(within(dialog).queryByTestId("different-user-note")).not.toBeInTheDocument();
  });
});
