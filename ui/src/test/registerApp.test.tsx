// "Register dhis2w Desktop on this server" (issue 10): the card's action for administrators, the
// dialog (plan, lifetime, exact request, register, sign in), and the wizard's offer.
import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { baseState, renderApp, type Handler } from "./helpers";
import type { AppRegistrationPlan, Instance, InstancesState, ProbeResult, SessionStatus } from "../bindings";

const basic = baseState.instances[0]!;
const pat: Instance = {
  ...basic,
  id: "p",
  name: "Training server",
  baseUrl: "https://training.example.org",
  authKind: "pat",
  username: null,
  color: null,
  secrets: { password: false, pat: true, clientSecret: false, token: false },
};
const oauth: Instance = {
  ...basic,
  id: "o",
  name: "OAuth HMIS",
  baseUrl: "https://oauth.example.org",
  authKind: "oauth2",
  username: null,
  color: null,
  oauth2: { clientId: "c", scope: null, redirectMode: "loopback" },
  secrets: { password: false, pat: false, clientSecret: false, token: true },
};

const threeKinds: InstancesState = { ...baseState, instances: [basic, pat, oauth] };

/** A plan as the core makes it: a new client id each time (here: by lifetime and round). */
let round = 0;
function plan(days: number): AppRegistrationPlan {
  round += 1;
  return {
    version: "2.43.2",
    clientId: `dhis2w-desktop-d${days}r${round}`,
    redirectUris: ["http://127.0.0.1/oauth2/callback"],
    scopes: "openid,profile,username,email",
    refreshDays: days,
    payload: JSON.stringify(
      {
        name: "dhis2w Desktop",
        clientId: `dhis2w-desktop-d${days}r${round}`,
        tokenSettings: { "settings.token.refresh-token-time-to-live": ["java.time.Duration", days * 86400] },
      },
      null,
      2,
    ),
  };
}

const signedOut = (id: string): SessionStatus => ({ instanceId: id, state: "signed_out", user: null, expiresAt: null, scopes: [], deviceEnrolled: false });

/** The Basic instance "a" is an administrator's; instances_register_app switches it to OAuth2. */
function adminBackend(extra: Handler = () => undefined) {
  let state: InstancesState = baseState;
  const handler: Handler = (cmd, args) => {
    const r = extra(cmd, args);
    if (r !== undefined) return r;
    switch (cmd) {
      case "instances_list":
        return state;
      case "instances_verify_saved":
        return { username: "jane", displayName: "Jane", version: "2.43.2", canRegisterApps: true };
      case "instances_plan_registration":
        return plan(args.refreshDays);
      case "instances_register_app":
        state = {
          ...state,
          instances: [{ ...basic, authKind: "oauth2", username: null, oauth2: { clientId: args.clientId, scope: null, redirectMode: "loopback" }, secrets: { password: false, pat: false, clientSecret: true, token: false } }],
        };
        return { instanceId: args.id, clientId: args.clientId };
      case "session_sign_in":
        return new Promise(() => undefined);
    }
  };
  return handler;
}

const card = async (name: string) => (await screen.findByRole("heading", { name })).closest("li")!;

async function openDialog(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await within(await card("Country HMIS")).findByRole("button", { name: "Register the app on this server…" }));
  return screen.findByTestId("register-app-dialog");
}

describe("register the app: where it is offered", () => {
  it("the card offers it only when the instance's user may register apps, asking the server once per instance", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "instances_verify_saved") return { username: "x", displayName: "X", version: "2.43.2", canRegisterApps: args.id === "a" };
    }, threeKinds);
    const admin = await card("Country HMIS");
    expect(await within(admin).findByTestId("register-app")).toHaveTextContent("Register the app on this server…");
    await waitFor(() => expect(calls.filter((c) => c.cmd === "instances_verify_saved").map((c) => c.args.id).sort()).toEqual(["a", "p"]));
    // The PAT user may not; the OAuth2 instance signs in through the browser already (not asked).
    expect(within(await card("Training server")).queryByTestId("register-app")).not.toBeInTheDocument();
    expect(within(await card("OAuth HMIS")).queryByTestId("register-app")).not.toBeInTheDocument();

    // Back on the list after another screen: the flag is remembered, not asked again.
    await user.click(screen.getByRole("button", { name: "Settings" }));
    await screen.findByRole("heading", { name: "Settings" });
    await user.click(screen.getByRole("button", { name: "Instances" }));
    expect(await within(await card("Country HMIS")).findByTestId("register-app")).toBeInTheDocument();
    expect(calls.filter((c) => c.cmd === "instances_verify_saved")).toHaveLength(2);
  });

  it("is not offered while the instance is signed out, nor when the check gives no flag", async () => {
    renderApp((cmd, args) => {
      if (cmd === "session_status") return args.instanceId === "a" ? signedOut("a") : undefined;
      if (cmd === "instances_verify_saved") return { username: "x", displayName: "X", version: "2.41.3" };
    }, { ...baseState, instances: [basic, pat] });
    const training = await card("Training server");
    await waitFor(() => expect(within(training).getByTestId("session-state")).toHaveTextContent("Signed in as Jane"));
    const admin = await card("Country HMIS");
    expect(within(admin).getByTestId("session-state")).toHaveTextContent("Signed out");
    await new Promise((r) => setTimeout(r, 50));
    expect(within(admin).queryByTestId("register-app")).not.toBeInTheDocument();
    expect(within(training).queryByTestId("register-app")).not.toBeInTheDocument();
  });
});

describe("register the app: the dialog", () => {
  it("plans 30 days, plans again for a changed lifetime, shows the request, registers that plan, then signs in", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp(adminBackend());
    const dialog = await openDialog(user);
    expect(within(dialog).getByText("Register dhis2w Desktop on this server")).toBeInTheDocument();
    expect(within(dialog).getByText(/people can sign in through their browser and stay signed in/)).toBeInTheDocument();
    const days = within(dialog).getByLabelText("Sign-in lifetime (days)");
    expect(days).toHaveValue(30);
    const summary = await within(dialog).findByTestId("register-summary");
    expect(summary).toHaveTextContent("Client IDdhis2w-desktop-d30");
    expect(summary).toHaveTextContent("http://127.0.0.1/oauth2/callback");
    expect(summary).toHaveTextContent("openid, profile, username, email");
    expect(summary).toHaveTextContent("30 days");
    expect(summary).toHaveTextContent("2.43.2");
    expect(calls.filter((c) => c.cmd === "instances_plan_registration").map((c) => c.args)).toEqual([{ id: "a", refreshDays: 30 }]);

    await user.clear(days);
    await user.type(days, "90");
    await waitFor(() => expect(within(dialog).getByTestId("register-summary")).toHaveTextContent("90 days"));
    const plans = calls.filter((c) => c.cmd === "instances_plan_registration").map((c) => c.args);
    expect(plans.at(-1)).toEqual({ id: "a", refreshDays: 90 });
    // The typing paused once: "9" is not planned on its own.
    expect(plans.some((p) => p.refreshDays === 9)).toBe(false);
    const clientId = within(dialog).getByTestId("register-summary").querySelector("dd")!.textContent!;
    expect(clientId).toMatch(/^dhis2w-desktop-d90r\d+$/);

    await user.click(within(dialog).getByText("Show the exact request"));
    const payload = within(dialog).getByTestId("register-payload");
    expect(payload).toBeVisible();
    expect(payload.tagName).toBe("PRE");
    expect(payload).toHaveTextContent(`"clientId": "${clientId}"`);
    expect(payload).toHaveTextContent('"java.time.Duration", 7776000');
    expect(within(dialog).getByText(/Sent to https:\/\/hmis\.example\.org\/api\/oAuth2Clients/)).toBeInTheDocument();

    const listsBefore = calls.filter((c) => c.cmd === "instances_list").length;
    await user.click(within(dialog).getByTestId("register-confirm"));
    expect(await within(dialog).findByTestId("register-done")).toHaveTextContent("Registered. Country HMIS now signs in through your browser.");
    expect(calls.filter((c) => c.cmd === "instances_register_app").map((c) => c.args)).toEqual([{ id: "a", clientId, refreshDays: 90 }]);
    // The list is read again: the card now says browser sign-in and no longer offers to register.
    expect(calls.filter((c) => c.cmd === "instances_list").length).toBeGreaterThan(listsBefore);
    const admin = await card("Country HMIS");
    expect(within(admin).getByText(/Sign-in method: Sign in with your browser/)).toBeInTheDocument();
    expect(within(admin).queryByTestId("register-app")).not.toBeInTheDocument();

    await user.click(within(dialog).getByTestId("register-sign-in"));
    await screen.findByTestId("sign-in-dialog");
    expect(screen.queryByTestId("register-app-dialog")).not.toBeInTheDocument();
    await waitFor(() =>
      expect(calls.filter((c) => c.cmd === "session_sign_in").map((c) => c.args)).toEqual([{ instanceId: "a", differentUser: false, keepSignedIn: false }]),
    );
  });

  it("a refusal shows DHIS2's words, keeps the dialog open, and the next try gets a new client id", async () => {
    const user = userEvent.setup();
    const refusal = "An app registration with this client id exists already. Try again: the app picks a new id each time.";
    let refuse = true;
    const { calls } = renderApp(
      adminBackend((cmd) => {
        if (cmd === "instances_register_app" && refuse) {
          refuse = false;
          throw { kind: "invalid_input", message: refusal };
        }
      }),
    );
    const dialog = await openDialog(user);
    await within(dialog).findByTestId("register-summary");
    await waitFor(() => expect(within(dialog).getByTestId("register-confirm")).toBeEnabled());
    await user.click(within(dialog).getByTestId("register-confirm"));
    const notice = await within(dialog).findByTestId("error-notice");
    expect(notice).toHaveTextContent("The app was not registered");
    expect(notice).toHaveTextContent(refusal);
    expect(screen.getByTestId("register-app-dialog")).toBeInTheDocument();
    expect(within(dialog).queryByTestId("register-done")).not.toBeInTheDocument();

    // Planned again (same lifetime, new id); Register sends the new one.
    await waitFor(() => expect(calls.filter((c) => c.cmd === "instances_plan_registration")).toHaveLength(2));
    await waitFor(() => expect(within(dialog).getByTestId("register-confirm")).toBeEnabled());
    await user.click(within(dialog).getByTestId("register-confirm"));
    await within(dialog).findByTestId("register-done");
    const sent = calls.filter((c) => c.cmd === "instances_register_app").map((c) => c.args.clientId);
    expect(sent).toHaveLength(2);
    expect(sent[0]).not.toBe(sent[1]);
  });

  it("a user who may not register apps sees why, and cannot press Register", async () => {
    const user = userEvent.setup();
    const words = "Your DHIS2 user may not register apps: it needs the authority to manage OAuth2 clients (F_OAUTH2_CLIENT_MANAGE), or to be a superuser.";
    const { calls } = renderApp(
      adminBackend((cmd) => {
        if (cmd === "instances_plan_registration") throw { kind: "forbidden", message: words };
      }),
    );
    const dialog = await openDialog(user);
    const notice = await within(dialog).findByTestId("error-notice");
    expect(notice).toHaveTextContent("The app cannot be registered here");
    expect(notice).toHaveTextContent("F_OAUTH2_CLIENT_MANAGE");
    // No lifetime can change that: only the reason is shown.
    expect(within(dialog).queryByLabelText("Sign-in lifetime (days)")).not.toBeInTheDocument();
    expect(within(dialog).getByTestId("register-confirm")).toBeDisabled();
    expect(calls.some((c) => c.cmd === "instances_register_app")).toBe(false);
  });

  for (const bad of ["0", "400"]) {
    it(`a lifetime of ${bad} days shows the field's error and disables Register`, async () => {
      const user = userEvent.setup();
      const { calls } = renderApp(adminBackend());
      const dialog = await openDialog(user);
      await within(dialog).findByTestId("register-summary");
      await waitFor(() => expect(within(dialog).getByTestId("register-confirm")).toBeEnabled());
      const days = within(dialog).getByLabelText("Sign-in lifetime (days)");
      await user.clear(days);
      await user.type(days, bad);
      expect(within(dialog).getByText("Enter a whole number of days from 1 to 365.")).toBeInTheDocument();
      expect(within(dialog).getByTestId("register-confirm")).toBeDisabled();
      await user.tab();
      await new Promise((r) => setTimeout(r, 700));
      expect(within(dialog).getByTestId("register-confirm")).toBeDisabled();
      expect(calls.some((c) => c.cmd === "instances_plan_registration" && c.args.refreshDays === Number(bad))).toBe(false);
      // A good lifetime again: planned, and Register is back.
      await user.clear(days);
      await user.type(days, "45");
      expect(within(dialog).queryByText("Enter a whole number of days from 1 to 365.")).not.toBeInTheDocument();
      await waitFor(() => expect(within(dialog).getByTestId("register-summary")).toHaveTextContent("45 days"));
      await waitFor(() => expect(within(dialog).getByTestId("register-confirm")).toBeEnabled());
    });
  }

  it("in French: the card's action and the dialog", async () => {
    localStorage.setItem("dhis2w.lang", "fr");
    const user = userEvent.setup();
    renderApp(adminBackend());
    await user.click(await within(await card("Country HMIS")).findByRole("button", { name: "Déclarer l’application sur ce serveur…" }));
    const dialog = await screen.findByTestId("register-app-dialog");
    expect(within(dialog).getByText("Déclarer dhis2w Desktop sur ce serveur")).toBeInTheDocument();
    expect(within(dialog).getByLabelText("Durée de connexion (jours)")).toHaveValue(30);
    expect(await within(dialog).findByTestId("register-summary")).toHaveTextContent("30 jours");
    expect(within(dialog).getByTestId("register-confirm")).toHaveTextContent("Déclarer");
  });
});

describe("register the app: the add-instance wizard", () => {
  const probe: ProbeResult = {
    canonicalUrl: "https://new.example.org",
    version: "2.43.2",
    systemName: "New HMIS",
    methods: {
      basic: { available: true, reason: null, code: null },
      pat: { available: true, reason: null, code: null },
      oauth2: { available: true, reason: null, code: null },
    },
    recommended: "oauth2",
    redirectUris: { loopback: "http://127.0.0.1:53682/callback", deepLink: "dhis2w://oauth/callback" },
  };

  async function toCheckedStep(user: ReturnType<typeof userEvent.setup>) {
    await user.click(await screen.findByRole("button", { name: "Add instance" }));
    const dialog = await screen.findByTestId("wizard");
    await user.type(within(dialog).getByLabelText(/Web address of the DHIS2 server/), "new.example.org");
    await user.click(within(dialog).getByRole("button", { name: "Check address" }));
    await within(dialog).findByTestId("probe-result");
    await user.click(within(dialog).getByRole("button", { name: "Next" }));
    await user.click(within(dialog).getByLabelText("Username and password"));
    await user.click(within(dialog).getByRole("button", { name: "Next" }));
    await user.type(within(dialog).getByLabelText(/^Username/), "admin");
    await user.type(within(dialog).getByLabelText(/^Password/), "district");
    await user.click(within(dialog).getByRole("button", { name: "Next" }));
    await user.click(within(dialog).getByRole("button", { name: "Check sign-in" }));
    await within(dialog).findByTestId("verify-ok");
    return dialog;
  }

  it("an administrator's checked sign-in offers to save, then register: the dialog opens for the saved instance", async () => {
    const user = userEvent.setup();
    const added: Instance = { ...basic, id: "new", name: "New HMIS", baseUrl: "https://new.example.org", username: "admin" };
    let state: InstancesState = baseState;
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "instances_list") return state;
      if (cmd === "instances_probe") return probe;
      if (cmd === "instances_verify") return { username: "admin", displayName: "John Traore", version: "2.43.2", canRegisterApps: true };
      if (cmd === "instances_verify_saved") return { username: "jane", displayName: "Jane", version: "2.43.2", canRegisterApps: false };
      if (cmd === "instances_add") {
        state = { ...state, instances: [...state.instances, added] };
        return added;
      }
      if (cmd === "instances_plan_registration") return plan(args.refreshDays);
    });
    const dialog = await toCheckedStep(user);
    expect(within(dialog).getByTestId("wizard-register-offer")).toHaveTextContent(
      "You are a DHIS2 administrator: you can register dhis2w Desktop on this server, so that people can sign in through their browser.",
    );
    // The ordinary Save is still there.
    expect(within(dialog).getByTestId("save")).toHaveTextContent("Save");
    await user.click(within(dialog).getByRole("button", { name: "Save, then register the app…" }));
    const reg = await screen.findByTestId("register-app-dialog");
    expect(screen.queryByTestId("wizard")).not.toBeInTheDocument();
    expect(calls.some((c) => c.cmd === "instances_add")).toBe(true);
    await waitFor(() => expect(calls.filter((c) => c.cmd === "instances_plan_registration").map((c) => c.args)).toEqual([{ id: "new", refreshDays: 30 }]));
    expect(within(reg).getByText(/Afterwards, New HMIS signs in through your browser/)).toBeInTheDocument();
    // The new card knows from the wizard's check: it offers the action without asking again.
    await user.click(within(reg).getByRole("button", { name: "Cancel" }));
    expect(await within(await card("New HMIS")).findByTestId("register-app")).toBeInTheDocument();
    expect(calls.filter((c) => c.cmd === "instances_verify_saved").map((c) => c.args.id)).not.toContain("new");
  });

  it("a user who may not register apps is not offered it, and Save works as before", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd) => {
      if (cmd === "instances_probe") return probe;
      if (cmd === "instances_verify") return { username: "admin", displayName: "John Traore", version: "2.43.2", canRegisterApps: false };
      if (cmd === "instances_add") return { ...basic, id: "new", name: "New HMIS" };
    });
    const dialog = await toCheckedStep(user);
    expect(within(dialog).queryByTestId("wizard-register-offer")).not.toBeInTheDocument();
    await user.click(within(dialog).getByTestId("save"));
    await waitFor(() => expect(screen.queryByTestId("wizard")).not.toBeInTheDocument());
    expect(calls.some((c) => c.cmd === "instances_add")).toBe(true);
    expect(screen.queryByTestId("register-app-dialog")).not.toBeInTheDocument();
  });
});
