// "Keep me signed in on this computer" (DHIS2 device enrolment) and "Forget this computer".
import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { emit } from "@tauri-apps/api/event";
import { baseState, renderApp } from "./helpers";
import type { InstancesState, SessionStatus } from "../bindings";

const oauthState: InstancesState = {
  ...baseState,
  instances: [
    baseState.instances[0]!,
    {
      ...baseState.instances[0]!,
      id: "o",
      name: "OAuth HMIS",
      authKind: "oauth2",
      username: null,
      color: null,
      oauth2: { clientId: "c", scope: null, redirectMode: "loopback" },
    },
  ],
  activeId: "o",
  defaultId: "o",
};

const status = (instanceId: string, state: SessionStatus["state"], deviceEnrolled: boolean): SessionStatus => ({
  instanceId,
  state,
  user: state === "signed_in" ? { username: "jane", displayName: "Jane" } : null,
  expiresAt: null,
  scopes: [],
  deviceEnrolled,
});

const card = async (name: string) => (await screen.findByRole("heading", { name })).closest("li")!;
const ENROL_URL = "https://hmis.example.org/api/auth/enrollDevice?redirectUri=x&state=s";

/** A sign-in that waits until the test ends it (or Cancel is pressed). */
function pendingSignIn() {
  const ctl: { resolve: (s: SessionStatus) => void } = { resolve: () => undefined };
  const promise = () => new Promise<SessionStatus>((res) => (ctl.resolve = res));
  return { ctl, promise };
}

describe("keep me signed in on this computer", () => {
  it("an OAuth2 card not yet enrolled offers it with a plain explanation, and it signs in with keepSignedIn", async () => {
    const user = userEvent.setup();
    const { ctl, promise } = pendingSignIn();
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "session_status") return status(args.instanceId, "needs_sign_in", false);
      if (cmd === "session_sign_in") return promise();
    }, oauthState);
    const oauth = await card("OAuth HMIS");
    const keep = await within(oauth).findByRole("button", { name: "Sign in and keep me signed in on this computer" });
    expect(within(oauth).getByTestId("keep-signed-in-help")).toHaveTextContent(
      "DHIS2 registers this computer, so you stay signed in for up to 30 days without opening the browser again.",
    );
    // Only for browser sign-in: the Basic card has neither action.
    const basic = await card("Country HMIS");
    expect(within(basic).queryByRole("button", { name: /keep me signed in/ })).not.toBeInTheDocument();
    expect(within(basic).queryByRole("button", { name: "Forget this computer" })).not.toBeInTheDocument();
    expect(within(oauth).queryByRole("button", { name: "Forget this computer" })).not.toBeInTheDocument();

    await user.click(keep);
    await screen.findByTestId("sign-in-dialog");
    await waitFor(() =>
      expect(calls.filter((c) => c.cmd === "session_sign_in").map((c) => c.args)).toEqual([
        { instanceId: "o", differentUser: false, keepSignedIn: true },
      ]),
    );
    ctl.resolve(status("o", "signed_in", true));
    expect(await screen.findByText("You are signed in as Jane.")).toBeInTheDocument();
    // The card now says so, and offers to forget instead.
    expect(await within(oauth).findByTestId("device-enrolled")).toHaveTextContent("Kept signed in on this computer");
    expect(within(oauth).queryByRole("button", { name: "Sign in and keep me signed in on this computer" })).not.toBeInTheDocument();
  });

  it("the ordinary Sign in still sends keepSignedIn false", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "session_status") return status(args.instanceId, args.instanceId === "o" ? "signed_out" : "signed_in", false);
      if (cmd === "session_sign_in") return status(args.instanceId, "signed_in", false);
    }, oauthState);
    await user.click(await within(await card("OAuth HMIS")).findByRole("button", { name: "Sign in" }));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "session_sign_in")?.args).toEqual({ instanceId: "o", differentUser: false, keepSignedIn: false }),
    );
  });

  it("the dialog words the enrolment page, then the registering, then the browser sign-in", async () => {
    const user = userEvent.setup();
    const { ctl, promise } = pendingSignIn();
    renderApp((cmd, args) => {
      if (cmd === "session_status") return status(args.instanceId, "signed_out", false);
      if (cmd === "session_sign_in") return promise();
    }, oauthState);
    await user.click(await within(await card("OAuth HMIS")).findByRole("button", { name: "Sign in and keep me signed in on this computer" }));
    const dialog = await screen.findByTestId("sign-in-dialog");

    await emit("sign-in-progress", { instanceId: "o", stage: "waiting_for_enrolment", authorizeUrl: ENROL_URL, redirectUri: null });
    expect(await within(dialog).findByText("Sign in to DHIS2 in your browser to register this computer.")).toBeInTheDocument();
    expect(within(dialog).getByText(/If your browser shows “forbidden_user” or “invalid_redirect_uri”, DHIS2 refused to register this computer/)).toBeInTheDocument();
    expect(within(dialog).getByTestId("countdown")).toHaveTextContent(/Time left: [45]:\d\d/);
    // The note for the administrator names the settings and this app's redirect address.
    expect(within(dialog).getByTestId("enrol-admin-note")).toHaveTextContent(
      "add http://127.0.0.1:*/oauth2/callback to the system setting deviceEnrollmentRedirectAllowlist",
    );
    expect(within(dialog).getByTestId("enrol-admin-note")).toHaveTextContent("deviceEnrollmentAllowedUserGroups");
    await user.click(within(dialog).getByRole("button", { name: "Copy link" }));
    expect(await navigator.clipboard.readText()).toBe(ENROL_URL);

    await emit("sign-in-progress", { instanceId: "o", stage: "registering", authorizeUrl: null, redirectUri: null });
    expect(await within(dialog).findByText("Registering this computer with DHIS2…")).toBeInTheDocument();
    expect(within(dialog).queryByText("Sign in to DHIS2 in your browser to register this computer.")).not.toBeInTheDocument();
    expect(within(dialog).queryByTestId("countdown")).not.toBeInTheDocument();
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toBeInTheDocument();

    await emit("sign-in-progress", { instanceId: "o", stage: "waiting_for_browser", authorizeUrl: "https://hmis.example.org/oauth2/authorize?x=1", redirectUri: null });
    expect(await within(dialog).findByText("Continue in your browser")).toBeInTheDocument();
    expect(within(dialog).getByText(/This computer is registered with DHIS2/)).toBeInTheDocument();
    ctl.resolve(status("o", "signed_in", true));
    expect(await within(dialog).findByText("You are signed in as Jane.")).toBeInTheDocument();
  });

  it("after DHIS2 refused to register the computer, shows the message for the administrator and signs in without keeping", async () => {
    const user = userEvent.setup();
    const refusal =
      'DHIS2 did not register this computer in time. If your browser shows "invalid_redirect_uri", ask your DHIS2 administrator to add http://127.0.0.1:*/oauth2/callback to the system setting deviceEnrollmentRedirectAllowlist (comma-separated).';
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "session_status") return status(args.instanceId, "signed_out", false);
      if (cmd === "session_sign_in") {
        if (args.keepSignedIn) throw { kind: "enrolment_refused", message: refusal };
        return status(args.instanceId, "signed_in", false);
      }
    }, oauthState);
    await user.click(await within(await card("OAuth HMIS")).findByRole("button", { name: "Sign in and keep me signed in on this computer" }));
    const dialog = await screen.findByTestId("sign-in-dialog");
    const notice = await within(dialog).findByTestId("error-notice");
    expect(notice).toHaveTextContent("DHIS2 refused to register this computer.");
    // The core's message, in full, ready to send (and not hidden in the technical details).
    expect(within(dialog).getByTestId("admin-message")).toHaveTextContent(refusal);
    expect(within(notice).queryByText("Technical details")).not.toBeInTheDocument();
    await user.click(within(dialog).getByRole("button", { name: "Copy message" }));
    expect(await navigator.clipboard.readText()).toBe(refusal);

    await user.click(within(dialog).getByRole("button", { name: "Sign in without keeping me signed in" }));
    expect(await screen.findByText("You are signed in as Jane.")).toBeInTheDocument();
    expect(calls.filter((c) => c.cmd === "session_sign_in").map((c) => c.args)).toEqual([
      { instanceId: "o", differentUser: false, keepSignedIn: true },
      { instanceId: "o", differentUser: false, keepSignedIn: false },
    ]);
  });

  it("when this DHIS2 cannot keep a computer signed in, offers the ordinary sign-in and no pointless retry", async () => {
    const user = userEvent.setup();
    renderApp((cmd, args) => {
      if (cmd === "session_status") return status(args.instanceId, "signed_out", false);
      if (cmd === "session_sign_in") throw { kind: "enrolment_unavailable", message: "/api/auth/enrollDevice answered 404" };
    }, oauthState);
    await user.click(await within(await card("OAuth HMIS")).findByRole("button", { name: "Sign in and keep me signed in on this computer" }));
    const dialog = await screen.findByTestId("sign-in-dialog");
    expect(await within(dialog).findByText("This DHIS2 server cannot keep a computer signed in.")).toBeInTheDocument();
    expect(within(dialog).getByText(/Staying signed in needs DHIS2 2\.42\.5 or newer/)).toBeInTheDocument();
    expect(within(dialog).getByRole("button", { name: "Sign in without keeping me signed in" })).toBeInTheDocument();
    expect(within(dialog).queryByRole("button", { name: "Try again" })).not.toBeInTheDocument();
    expect(within(dialog).queryByTestId("admin-message")).not.toBeInTheDocument();
  });

  it("in French: the card's action and the dialog's enrolment words", async () => {
    localStorage.setItem("dhis2w.lang", "fr");
    const user = userEvent.setup();
    renderApp((cmd, args) => {
      if (cmd === "session_status") return status(args.instanceId, "signed_out", false);
      if (cmd === "session_sign_in") return new Promise(() => undefined);
    }, oauthState);
    const oauth = await card("OAuth HMIS");
    expect(within(oauth).getByText("DHIS2 enregistre cet ordinateur : vous restez connecté jusqu’à 30 jours sans rouvrir le navigateur.")).toBeInTheDocument();
    await user.click(within(oauth).getByRole("button", { name: "Se connecter et rester connecté sur cet ordinateur" }));
    const dialog = await screen.findByTestId("sign-in-dialog");
    await emit("sign-in-progress", { instanceId: "o", stage: "waiting_for_enrolment", authorizeUrl: ENROL_URL, redirectUri: null });
    expect(await within(dialog).findByText("Connectez-vous à DHIS2 dans votre navigateur pour enregistrer cet ordinateur.")).toBeInTheDocument();
    await emit("sign-in-progress", { instanceId: "o", stage: "registering", authorizeUrl: null, redirectUri: null });
    expect(await within(dialog).findByText("Enregistrement de cet ordinateur auprès de DHIS2…")).toBeInTheDocument();
  });
});

describe("forget this computer", () => {
  for (const removedOnServer of [false, true]) {
    it(`asks first, forgets, and says where the registration is (removed on the server: ${removedOnServer})`, async () => {
      const user = userEvent.setup();
      const { calls } = renderApp((cmd, args) => {
        if (cmd === "session_status") return status(args.instanceId, "signed_in", args.instanceId === "o");
        if (cmd === "session_forget_device") return { status: status(args.instanceId, "signed_out", false), removedOnServer };
      }, oauthState);
      const oauth = await card("OAuth HMIS");
      expect(await within(oauth).findByTestId("device-enrolled")).toHaveTextContent("Kept signed in on this computer");
      expect(within(oauth).queryByRole("button", { name: "Sign in and keep me signed in on this computer" })).not.toBeInTheDocument();
      await user.click(within(oauth).getByRole("button", { name: "Forget this computer" }));

      const modal = await screen.findByTestId("forget-modal");
      expect(within(modal).getByText("Forget this computer?")).toBeInTheDocument();
      expect(modal).toHaveTextContent("This signs you out of OAuth HMIS and deletes the key that keeps this computer signed in. The next sign-in opens your browser again.");
      expect(calls.some((c) => c.cmd === "session_forget_device")).toBe(false);
      await user.click(within(modal).getByRole("button", { name: "Forget this computer" }));

      await waitFor(() => expect(calls.filter((c) => c.cmd === "session_forget_device").map((c) => c.args)).toEqual([{ instanceId: "o" }]));
      const outcome = await within(oauth).findByTestId("forget-outcome");
      if (removedOnServer) {
        expect(outcome).toHaveTextContent("This computer is forgotten: its key is deleted, and DHIS2 removed its registration too.");
      } else {
        expect(outcome).toHaveTextContent(
          "This computer is forgotten: its key is deleted. The registration stays on the DHIS2 server; your administrator can remove it under OAuth2 clients.",
        );
      }
      // The returned status is shown: signed out, no longer kept, "keep me signed in" offered again.
      expect(within(oauth).getByTestId("session-state")).toHaveTextContent("Signed out");
      expect(within(oauth).queryByTestId("device-enrolled")).not.toBeInTheDocument();
      expect(within(oauth).queryByRole("button", { name: "Forget this computer" })).not.toBeInTheDocument();
      expect(within(oauth).getByRole("button", { name: "Sign in and keep me signed in on this computer" })).toBeInTheDocument();
    });
  }

  it("Cancel in the confirmation forgets nothing", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "session_status") return status(args.instanceId, "signed_in", true);
    }, oauthState);
    const oauth = await card("OAuth HMIS");
    await user.click(await within(oauth).findByRole("button", { name: "Forget this computer" }));
    await user.click(within(await screen.findByTestId("forget-modal")).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByTestId("forget-modal")).not.toBeInTheDocument());
    expect(calls.some((c) => c.cmd === "session_forget_device")).toBe(false);
    expect(within(oauth).getByTestId("device-enrolled")).toBeInTheDocument();
  });
});
