import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ProbeResult } from "../bindings";
import { renderApp } from "./helpers";
import { skipReason } from "../components/InstanceWizard";
import { translate, type MessageKey } from "../i18n";

const probe = (over: Partial<ProbeResult> = {}): ProbeResult => ({
  canonicalUrl: "https://hmis.example.org",
  version: "2.41.3",
  systemName: "Country HMIS",
  methods: {
    basic: { available: true, reason: null, code: null },
    pat: { available: true, reason: null, code: null },
    oauth2: { available: true, reason: null, code: null },
  },
  recommended: "oauth2",
  redirectUris: { loopback: "http://127.0.0.1:53682/callback", deepLink: "dhis2w://oauth/callback" },
  ...over,
});

async function openWizardAndProbe(user: ReturnType<typeof userEvent.setup>, address = "hmis.example.org") {
  await user.click(await screen.findByRole("button", { name: "Add instance" }));
  const dialog = await screen.findByTestId("wizard");
  await user.type(within(dialog).getByLabelText(/Web address of the DHIS2 server/), address);
  await user.click(within(dialog).getByRole("button", { name: "Check address" }));
  return dialog;
}

async function next(user: ReturnType<typeof userEvent.setup>, dialog: HTMLElement) {
  await user.click(within(dialog).getByRole("button", { name: "Next" }));
}

describe("add instance wizard", () => {
  it("shows plain words and a next step when the probe fails", async () => {
    const user = userEvent.setup();
    renderApp((cmd) => {
      if (cmd === "instances_probe") throw { kind: "server_unreachable", message: "connect ECONNREFUSED" };
    });
    const dialog = await openWizardAndProbe(user, "https://offline.example.org");
    expect(await within(dialog).findByText("The server could not be reached.")).toBeInTheDocument();
    expect(within(dialog).getByText(/Check the address and your internet connection/)).toBeInTheDocument();
    expect(within(dialog).getByRole("button", { name: "Next" })).toBeDisabled();
  });

  it("a certificate problem offers the organisation's CA file at the first step, then checks again with it", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd, args) => {
      if (cmd === "instances_probe") {
        if (!args.caCertPath) throw { kind: "tls", message: "The secure connection to hmis.example.org failed (certificate problem)." };
        return probe();
      }
    });
    const dialog = await openWizardAndProbe(user, "https://hmis.example.org");
    const ca = await within(dialog).findByTestId("ca-step1");
    await user.type(within(ca).getByRole("textbox"), "/home/jane/ministry-ca.pem");
    await user.click(within(ca).getByRole("button", { name: "Check again" }));
    expect(await within(dialog).findByText(/Found DHIS2 2.41.3/)).toBeInTheDocument();
    const probes = calls.filter((c) => c.cmd === "instances_probe");
    expect(probes.at(-1)!.args).toEqual({ address: "https://hmis.example.org", caCertPath: "/home/jane/ministry-ca.pem" });
    expect(within(dialog).getByRole("button", { name: "Next" })).toBeEnabled();
  });

  it("says when OAuth2 is not enabled and does not offer it", async () => {
    const user = userEvent.setup();
    renderApp((cmd) => {
      if (cmd === "instances_probe")
        return probe({
          methods: {
            basic: { available: true, reason: null, code: null },
            pat: { available: true, reason: null, code: null },
            oauth2: { available: false, reason: "no client", code: null },
          },
          recommended: "pat",
        });
    });
    const dialog = await openWizardAndProbe(user);
    expect(await within(dialog).findByText(/Found DHIS2 2.41.3/)).toBeInTheDocument();
    expect(within(dialog).getAllByText(/OAuth2 is not enabled on this server/).length).toBeGreaterThan(0);
    await next(user, dialog);
    const radios = within(dialog).getAllByRole("radio");
    // Recommended first.
    expect(within(dialog).getByLabelText("Personal access token (recommended)")).toBe(radios[0]);
    expect(within(dialog).getByLabelText("Sign in with your browser")).toBeDisabled();
  });

  it("says in the user's language why a method is not offered on an old server", async () => {
    const user = userEvent.setup();
    renderApp((cmd) => {
      if (cmd === "instances_probe")
        return probe({
          version: "2.38.4",
          methods: {
            basic: { available: true, reason: null, code: null },
            pat: { available: false, reason: "DHIS2 2.38 is older than 2.39: dhis2w does not use personal access tokens there.", code: "pat_too_old" },
            oauth2: { available: false, reason: "DHIS2 2.38 has no OAuth2 sign-in for apps (it arrived in 2.42).", code: "oauth2_too_old" },
          },
          recommended: "basic",
        });
    });
    const dialog = await openWizardAndProbe(user);
    expect(await within(dialog).findByTestId("why-not-pat")).toHaveTextContent("DHIS2 2.38.4 is older than 2.39: dhis2w does not use personal access tokens there");
    expect(within(dialog).getByTestId("why-not-oauth2")).toHaveTextContent("DHIS2 2.38.4 has no OAuth2 sign-in for apps; it arrived in 2.42");
  });

  it("verifies username and password, then saves with the password write-only", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd) => {
      if (cmd === "instances_probe") return probe();
      if (cmd === "instances_verify") return { username: "jane", displayName: "Jane Doe", version: "2.41.3" };
      if (cmd === "instances_add") return { ...calls.at(-1)!.args.input, id: "new" };
    });
    const dialog = await openWizardAndProbe(user);
    await within(dialog).findByTestId("probe-result");
    await next(user, dialog);
    await user.click(within(dialog).getByLabelText("Username and password"));
    await next(user, dialog);
    await user.type(within(dialog).getByLabelText(/^Username/), "jane");
    await user.type(within(dialog).getByLabelText(/^Password/), "s3cret");
    await next(user, dialog);
    await user.click(within(dialog).getByRole("button", { name: "Check sign-in" }));
    expect(await within(dialog).findByText("Signed in as Jane Doe on DHIS2 2.41.3")).toBeInTheDocument();
    const verify = calls.find((c) => c.cmd === "instances_verify")!;
    expect(verify.args.input).toMatchObject({ authKind: "basic", username: "jane", password: "s3cret", pat: null, baseUrl: "https://hmis.example.org" });
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "instances_add")).toBe(true));
    expect(calls.find((c) => c.cmd === "instances_add")!.args.input).toMatchObject({ name: "Country HMIS", password: "s3cret" });
  });

  it("shows a friendly message when the token is rejected", async () => {
    const user = userEvent.setup();
    renderApp((cmd) => {
      if (cmd === "instances_probe") return probe();
      if (cmd === "instances_verify") throw { kind: "pat_rejected", message: "HTTP 401" };
    });
    const dialog = await openWizardAndProbe(user);
    await within(dialog).findByTestId("probe-result");
    await next(user, dialog);
    await user.click(within(dialog).getByLabelText("Personal access token"));
    await next(user, dialog);
    await user.type(within(dialog).getByLabelText(/^Personal access token/), "d2p_abc");
    await next(user, dialog);
    await user.click(within(dialog).getByRole("button", { name: "Check sign-in" }));
    expect(await within(dialog).findByText("The server did not accept this personal access token.")).toBeInTheDocument();
    expect(within(dialog).getByText(/Create a new token in DHIS2/)).toBeInTheDocument();
  });

  it("a mistyped token cannot be saved, a rejected one can be saved without checking", async () => {
    for (const [kind, savable] of [["pat_malformed", false], ["pat_rejected", true]] as const) {
      const user = userEvent.setup();
      const { unmount } = renderApp((cmd) => {
        if (cmd === "instances_probe") return probe();
        if (cmd === "instances_verify") throw { kind, message: "x" };
      });
      const dialog = await openWizardAndProbe(user);
      await within(dialog).findByTestId("probe-result");
      await next(user, dialog);
      await user.click(within(dialog).getByLabelText("Personal access token"));
      await next(user, dialog);
      await user.type(within(dialog).getByLabelText(/^Personal access token/), "d2p_abc");
      await next(user, dialog);
      await user.click(within(dialog).getByRole("button", { name: "Check sign-in" }));
      await within(dialog).findByTestId("error-notice");
      const save = within(dialog).getByRole("button", { name: "Save without checking" });
      if (savable) expect(save).toBeEnabled();
      else expect(save).toBeDisabled();
      unmount();
    }
  });

  it("shows the OAuth2 redirect address with a copy button, then saves and starts sign-in", async () => {
    const user = userEvent.setup();
    const { calls } = renderApp((cmd) => {
      if (cmd === "instances_probe") return probe();
      if (cmd === "instances_add") return { ...calls.at(-1)!.args.input, id: "new", secrets: { password: false, pat: false, clientSecret: false, token: false } };
      if (cmd === "session_sign_in") return new Promise(() => undefined);
    });
    const dialog = await openWizardAndProbe(user);
    await within(dialog).findByTestId("probe-result");
    await next(user, dialog);
    expect(within(dialog).getByLabelText("Sign in with your browser (recommended)")).toBeChecked();
    await next(user, dialog);
    await user.type(within(dialog).getByLabelText(/^Client ID/), "dhis2w");
    const uri = within(dialog).getByLabelText("Give this redirect address to your DHIS2 administrator");
    expect(uri).toHaveValue("http://127.0.0.1:53682/callback");
    await user.click(within(dialog).getByRole("button", { name: "Copy redirect address" }));
    // user-event installs its own clipboard stub.
    expect(await navigator.clipboard.readText()).toBe("http://127.0.0.1:53682/callback");
    expect(await within(dialog).findByText("Copied")).toBeInTheDocument();
    await user.click(within(dialog).getByLabelText("Through a dhis2w:// link"));
    expect(uri).toHaveValue("dhis2w://oauth/callback");
    await next(user, dialog);
    await user.click(within(dialog).getByRole("button", { name: "Save and sign in" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "session_sign_in")).toBe(true));
    expect(calls.find((c) => c.cmd === "instances_add")!.args.input).toMatchObject({
      authKind: "oauth2",
      oauth2: { clientId: "dhis2w", scope: null, redirectMode: "deep_link" },
      password: null,
      pat: null,
    });
    expect(calls.find((c) => c.cmd === "session_sign_in")!.args).toEqual({ instanceId: "new", differentUser: false, keepSignedIn: false });
    expect(await screen.findByTestId("sign-in-dialog")).toBeInTheDocument();
  });

  it("imports from the command-line tool and shows what was skipped", async () => {
    const user = userEvent.setup();
    renderApp((cmd) => {
      if (cmd === "instances_import_cli")
        return {
          imported: [{ name: "Local", instanceId: "l" }],
          skipped: [
            { name: "play", code: "name_exists", param: null, reason: "an instance with this name already exists" },
            { name: "krb", code: "unknown_method", param: "kerberos", reason: "Unknown sign-in method" },
            { name: "odd", code: "some_new_code", param: null, reason: "a reason from a newer core" },
          ],
        };
    });
    await user.click(await screen.findByRole("button", { name: "Add instance" }));
    const dialog = await screen.findByTestId("wizard");
    await user.click(within(dialog).getByRole("button", { name: "Import from the dhis2w command-line tool" }));
    const report = await within(dialog).findByTestId("import-report");
    expect(report).toHaveTextContent("Imported (1)");
    expect(report).toHaveTextContent("Local");
    expect(report).toHaveTextContent("Skipped (3)");
    expect(report).toHaveTextContent("play: an instance with this name already exists");
    expect(report).toHaveTextContent('krb: unknown sign-in method "kerberos"');
    expect(report).toHaveTextContent("odd: a reason from a newer core");
  });

  it("words the import's skip reasons in the user's language", () => {
    const fr = (k: MessageKey, v?: Record<string, string | number>) => translate("fr", k, v);
    expect(skipReason(fr, { code: "unknown_method", param: "kerberos", reason: "x" })).toBe("méthode de connexion inconnue « kerberos »");
    expect(skipReason(fr, { code: "not_toml", param: null, reason: "x" })).toBe("le fichier n'est pas un fichier de paramètres valide");
    expect(skipReason(fr, { code: "invalid", param: null, reason: "the address must start with http" })).toBe(
      "ses paramètres ne sont pas valides (the address must start with http)",
    );
  });
});
