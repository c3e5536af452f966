import { useState, type FormEvent } from "react";
import {
  Button,
  ButtonStrip,
  CircularLoader,
  InputField,
  Modal,
  ModalActions,
  ModalContent,
  ModalTitle,
  NoticeBox,
  Radio,
  TextAreaField,
} from "@dhis2/ui";
import * as api from "../api";
import type { AppError, AuthKind, ImportReport, InstanceInput, ProbeResult, RedirectMode, VerifyResult } from "../bindings";
import { copyText } from "../format";
import { useI18n, type MessageKey } from "../i18n";
import { useApp } from "../state";
import { ErrorNotice } from "./common";
import { METHOD_KEY } from "./InstancesPage";

/** Check results that mean the input itself is wrong, so saving it would not help. */
const UNSAVABLE = new Set<AppError["kind"]>(["pat_malformed", "invalid_input"]);

export const SWATCHES: { color: string; key: MessageKey }[] = [
  { color: "#d32f2f", key: "color.red" },
  { color: "#ef6c00", key: "color.orange" },
  { color: "#2e7d32", key: "color.green" },
  { color: "#1565c0", key: "color.blue" },
  { color: "#6a1b9a", key: "color.purple" },
  { color: "#546e7a", key: "color.grey" },
];

const WHY_NOT: Record<string, MessageKey> = {
  oauth2_too_old: "probe.oauth2TooOld",
  oauth2_very_old: "probe.oauth2VeryOld",
  oauth2_off: "probe.oauth2Off",
  pat_too_old: "probe.patTooOld",
};

const SKIP_CODES = new Set(["unreadable_file", "not_toml", "not_toml_noline", "no_profiles", "bad_name", "not_a_table", "no_auth", "session_auth", "unknown_method", "no_base_url", "not_text", "name_exists", "invalid", "secret_not_stored"]);

/** Why an import left a profile out, in the user's language (the English reason as a fallback;
 * `invalid` and `secret_not_stored` add it as the detail, which comes from other checks). */
export function skipReason(t: (k: MessageKey, v?: Record<string, string | number>) => string, s: { code: string; param: string | null; reason: string }): string {
  const code = s.code === "not_toml" && !s.param ? "not_toml_noline" : s.code;
  if (!SKIP_CODES.has(code)) return s.reason;
  const words = t(`import.skip.${code}` as MessageKey, { param: s.param ?? "" });
  return s.code === "invalid" || s.code === "secret_not_stored" ? `${words} (${s.reason})` : words;
}

/** Why a sign-in method is not offered, in the user's language (the core's English otherwise). */
export function methodWhyNot(t: (k: MessageKey, v?: Record<string, string | number>) => string, m: { code: string | null; reason: string | null }, version: string | null): string {
  const key = m.code ? WHY_NOT[m.code] : undefined;
  return key ? t(key, { version: version ?? "?" }) : (m.reason ?? "");
}

const STEP_KEYS: MessageKey[] = ["wizard.step1", "wizard.step2", "wizard.step3", "wizard.step4"];
const DESC_KEY: Record<AuthKind, MessageKey> = {
  basic: "method.basic.desc",
  pat: "method.pat.desc",
  oauth2: "method.oauth2.desc",
};

/** Recommended method first, then the others in a fixed order. */
export function orderedMethods(probe: ProbeResult | null): AuthKind[] {
  const all: AuthKind[] = ["oauth2", "pat", "basic"];
  const rec = probe?.recommended ?? "oauth2";
  return [rec, ...all.filter((m) => m !== rec)];
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function ImportSection() {
  const { t } = useI18n();
  const { refresh } = useApp();
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section className="import-box" aria-labelledby="import-title">
      <h3 id="import-title" className="h3">
        {t("wizard.orImport")}
      </h3>
      <p className="muted small m0">{t("import.desc")}</p>
      <Button
        small
        secondary
        loading={busy}
        disabled={busy}
        dataTest="import-cli"
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            const r = await api.instancesImportCli(null);
            setReport(r);
            await refresh();
          } catch (e) {
            setError(api.toAppError(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        {t("import.title")}
      </Button>
      {error && <ErrorNotice error={error} />}
      {report && (
        <div className="import-report" data-test="import-report" role="status">
          {report.imported.length === 0 && report.skipped.length === 0 && <p>{t("import.nothing")}</p>}
          {report.imported.length > 0 && (
            <>
              <h4 className="h4">{t("import.imported", { count: report.imported.length })}</h4>
              <ul>
                {report.imported.map((i) => (
                  <li key={i.instanceId}>{i.name}</li>
                ))}
              </ul>
            </>
          )}
          {report.skipped.length > 0 && (
            <>
              <h4 className="h4">{t("import.skipped", { count: report.skipped.length })}</h4>
              <ul>
                {report.skipped.map((s) => (
                  <li key={s.name}>
                    {s.name}: <span className="muted">{skipReason(t, s)}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}

export function InstanceWizard() {
  const { t } = useI18n();
  const { wizard, setWizard, refresh, startSignIn, noteCanRegister, openRegister } = useApp();
  const editing = wizard?.mode === "edit" ? wizard.instance : null;
  const credentialsFirst = wizard?.mode === "edit" && wizard.step === 3;

  const [step, setStep] = useState<number>(credentialsFirst ? 3 : 1);
  const [address, setAddress] = useState(editing?.baseUrl ?? "");
  const [probe, setProbe] = useState<ProbeResult | null>(null);
  const [probing, setProbing] = useState(false);
  const [probeError, setProbeError] = useState<AppError | null>(null);
  const [addressMissing, setAddressMissing] = useState(false);

  const [method, setMethod] = useState<AuthKind>(editing?.authKind ?? "oauth2");
  const [name, setName] = useState(editing?.name ?? "");
  const [username, setUsername] = useState(editing?.username ?? "");
  const [password, setPassword] = useState("");
  const [pat, setPat] = useState("");
  const [clientId, setClientId] = useState(editing?.oauth2?.clientId ?? "");
  const [clientSecret, setClientSecret] = useState("");
  const [scope, setScope] = useState(editing?.oauth2?.scope ?? "");
  const [redirectMode, setRedirectMode] = useState<RedirectMode>(editing?.oauth2?.redirectMode ?? "loopback");
  const [color, setColor] = useState<string | null>(editing?.color ?? null);
  const [notes, setNotes] = useState(editing?.notes ?? "");
  const [caCertPath, setCaCertPath] = useState(editing?.caCertPath ?? "");
  const [showRequired, setShowRequired] = useState(false);
  const [copied, setCopied] = useState<"ok" | "fail" | null>(null);

  const [verifying, setVerifying] = useState(false);
  const [verified, setVerified] = useState<VerifyResult | null>(null);
  const [verifyError, setVerifyError] = useState<AppError | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<AppError | null>(null);

  const close = () => setWizard(null);
  const baseUrl = probe?.canonicalUrl ?? address.trim();
  const stored = editing?.secrets;
  const sameMethod = editing?.authKind === method;

  function input(): InstanceInput {
    return {
      name: name.trim() || probe?.systemName || hostOf(baseUrl),
      baseUrl,
      authKind: method,
      username: method === "basic" ? username.trim() || null : null,
      oauth2:
        method === "oauth2" ? { clientId: clientId.trim(), scope: scope.trim() || null, redirectMode } : null,
      caCertPath: caCertPath.trim() || null,
      color,
      notes: notes.trim() || null,
      password: method === "basic" && password ? password : null,
      pat: method === "pat" && pat ? pat : null,
      clientSecret: method === "oauth2" && clientSecret ? clientSecret : null,
    };
  }

  async function doProbe(e?: FormEvent) {
    e?.preventDefault();
    if (!address.trim()) {
      setAddressMissing(true);
      return;
    }
    setAddressMissing(false);
    setProbing(true);
    setProbeError(null);
    setProbe(null);
    try {
      const p = await api.instancesProbe(address.trim(), caCertPath.trim() || null);
      setProbe(p);
      if (!editing) {
        const firstWorking = orderedMethods(p).find((m) => p.methods[m].available);
        setMethod(firstWorking ?? p.recommended);
        if (!name) setName(p.systemName ?? hostOf(p.canonicalUrl));
      } else if (!p.methods[method].available) {
        setMethod(orderedMethods(p).find((m) => p.methods[m].available) ?? method);
      }
    } catch (err) {
      setProbeError(api.toAppError(err));
    } finally {
      setProbing(false);
    }
  }

  // Step 3 validity: required fields (secrets may be left empty when one is stored).
  const missing = {
    username: method === "basic" && !username.trim(),
    password: method === "basic" && !password && !(sameMethod && stored?.password),
    pat: method === "pat" && !pat && !(sameMethod && stored?.pat),
    clientId: method === "oauth2" && !clientId.trim(),
  };
  const step3Ok = !Object.values(missing).some(Boolean);

  async function verify() {
    setVerifying(true);
    setVerifyError(null);
    setVerified(null);
    try {
      const keepsStored = editing && sameMethod && !password && !pat;
      setVerified(keepsStored ? await api.instancesVerifySaved(editing.id) : await api.instancesVerify(input()));
    } catch (e) {
      setVerifyError(api.toAppError(e));
    } finally {
      setVerifying(false);
    }
  }

  /** Whether the checked user may register apps on this server (password/PAT only). */
  const offerRegister = method !== "oauth2" && verified?.canRegisterApps === true;

  /** `thenRegister`: "Save, then register the app…" opens that dialog for the saved instance. */
  async function save(thenRegister = false) {
    setSaving(true);
    setSaveError(null);
    try {
      const inst = editing ? await api.instancesEdit(editing.id, input()) : await api.instancesAdd(input());
      // The card offers "Register the app on this server…" from what this check found.
      if (method !== "oauth2" && verified) noteCanRegister(inst.id, verified.canRegisterApps);
      await refresh();
      close();
      if (thenRegister && offerRegister) openRegister(inst.id);
      if (method === "oauth2" && (!editing || !sameMethod || !stored?.token)) startSignIn(inst.id, false);
    } catch (e) {
      setSaveError(api.toAppError(e));
    } finally {
      setSaving(false);
    }
  }

  const redirectUri = probe ? (redirectMode === "loopback" ? probe.redirectUris.loopback : probe.redirectUris.deepLink) : null;
  const title = editing ? t("wizard.editTitle", { name: editing.name }) : t("wizard.addTitle");

  const canNext = step === 1 ? Boolean(probe) || Boolean(editing && address.trim()) : step === 2 ? true : step3Ok;

  return (
    <Modal large onClose={close} position="top" dataTest="wizard">
      <ModalTitle>{title}</ModalTitle>
      <ModalContent>
        <ol className="steps" aria-label={t("wizard.stepOf", { n: step, title: t(STEP_KEYS[step - 1]) })}>
          {STEP_KEYS.map((k, i) => (
            <li key={k} className={i + 1 === step ? "step step-current" : i + 1 < step ? "step step-done" : "step"} aria-current={i + 1 === step ? "step" : undefined}>
              <span className="step-n">{i + 1}</span> {t(k)}
            </li>
          ))}
        </ol>
        <p className="sr-only" aria-live="polite">
          {t("wizard.stepOf", { n: step, title: t(STEP_KEYS[step - 1]) })}
        </p>

        {step === 1 && (
          <div className="wizard-step">
            <form onSubmit={doProbe} className="row-end">
              <div className="grow">
                <InputField
                  label={t("wizard.address")}
                  name="address"
                  value={address}
                  onChange={({ value }: { value?: string }) => {
                    setAddress(value ?? "");
                    setProbe(null);
                  }}
                  helpText={t("wizard.addressHelp")}
                  placeholder="https://"
                  error={addressMissing}
                  validationText={addressMissing ? t("wizard.addressRequired") : undefined}
                  initialFocus
                  dataTest="address"
                />
              </div>
              <Button type="submit" primary={!probe} loading={probing} disabled={probing} dataTest="probe">
                {t("wizard.check")}
              </Button>
            </form>
            {probing && (
              <p role="status" className="muted">
                {t("wizard.checking")}
              </p>
            )}
            {probeError && <ErrorNotice error={probeError} />}
            {(probeError?.kind === "tls" || (caCertPath.trim() !== "" && !probe)) && (
              // A server with its organisation's own certificate authority: trust its CA file
              // here, at the first step, then check again.
              <form onSubmit={doProbe} className="row-end" data-test="ca-step1">
                <div className="grow">
                  <InputField
                    label={t("field.caCert")}
                    name="caCertPathStep1"
                    value={caCertPath}
                    helpText={t("field.caCertHelp")}
                    onChange={({ value }: { value?: string }) => setCaCertPath(value ?? "")}
                    dataTest="ca-cert-step1"
                  />
                </div>
                <Button type="submit" loading={probing} disabled={probing || !caCertPath.trim()} dataTest="probe-with-ca">
                  {t("wizard.checkAgain")}
                </Button>
              </form>
            )}
            {probe && (
              <div className="probe-result card" data-test="probe-result" role="status">
                <p className="strong">
                  {probe.version ? t("wizard.found", { version: probe.version }) : t("wizard.foundNoVersion")}
                </p>
                <dl className="kv">
                  <dt>{t("wizard.canonical")}</dt>
                  <dd className="mono">{probe.canonicalUrl}</dd>
                  {probe.systemName && (
                    <>
                      <dt>{t("wizard.systemName")}</dt>
                      <dd>{probe.systemName}</dd>
                    </>
                  )}
                  <dt>{t("wizard.methods")}</dt>
                  <dd>
                    <ul className="plain">
                      {orderedMethods(probe).map((m) => (
                        <li key={m}>
                          {probe.methods[m].available ? "✓ " : "✗ "}
                          {m === "oauth2" && !probe.methods[m].available
                            ? t("method.oauthNotEnabled")
                            : `${t(METHOD_KEY[m])}: ${probe.methods[m].available ? t("wizard.available") : t("wizard.unavailable")}`}
                          {!probe.methods[m].available && (probe.methods[m].code || probe.methods[m].reason) && (
                            // Why not, in the user's language when the core gave a code; the
                            // English details otherwise.
                            <span className="muted small" data-test={`why-not-${m}`}>
                              {" "}
                              ({methodWhyNot(t, probe.methods[m], probe.version)})
                            </span>
                          )}
                        </li>
                      ))}
                    </ul>
                  </dd>
                </dl>
              </div>
            )}
            {!editing && <ImportSection />}
          </div>
        )}

        {step === 2 && (
          <fieldset className="wizard-step methods">
            <legend className="strong">{t("method.legend")}</legend>
            {orderedMethods(probe).map((m) => {
              const support = probe?.methods[m];
              const unavailable = support ? !support.available : false;
              const label =
                m === (probe?.recommended ?? "oauth2") && !unavailable
                  ? t("method.recommended", { method: t(METHOD_KEY[m]) })
                  : t(METHOD_KEY[m]);
              return (
                <div key={m} className={method === m ? "method-choice method-chosen" : "method-choice"}>
                  <Radio
                    name="method"
                    value={m}
                    label={label}
                    checked={method === m}
                    disabled={unavailable}
                    onChange={() => setMethod(m)}
                    dataTest={`method-${m}`}
                  />
                  <p className="muted small method-desc">
                    {unavailable
                      ? m === "oauth2"
                        ? t("method.oauthNotEnabled")
                        : t("method.notAvailable", { method: t(METHOD_KEY[m]) })
                      : t(DESC_KEY[m])}
                  </p>
                </div>
              );
            })}
          </fieldset>
        )}

        {step === 3 && (
          <div className="wizard-step form-grid">
            <InputField
              label={t("field.name")}
              name="name"
              value={name}
              onChange={({ value }: { value?: string }) => setName(value ?? "")}
              helpText={t("field.nameHelp")}
              initialFocus={!credentialsFirst || method === "oauth2"}
            />
            {method === "basic" && (
              <>
                <InputField
                  label={t("field.username")}
                  name="username"
                  value={username}
                  autoComplete="username"
                  required
                  error={showRequired && missing.username}
                  validationText={showRequired && missing.username ? t("wizard.required") : undefined}
                  onChange={({ value }: { value?: string }) => setUsername(value ?? "")}
                  dataTest="username"
                />
                <InputField
                  label={t("field.password")}
                  name="password"
                  type="password"
                  autoComplete="off"
                  value={password}
                  required={!(sameMethod && stored?.password)}
                  placeholder={sameMethod && stored?.password ? "••••••••" : undefined}
                  helpText={sameMethod && stored?.password ? t("field.passwordStored") : undefined}
                  error={showRequired && missing.password}
                  validationText={showRequired && missing.password ? t("wizard.required") : undefined}
                  onChange={({ value }: { value?: string }) => setPassword(value ?? "")}
                  initialFocus={credentialsFirst}
                  dataTest="password"
                />
              </>
            )}
            {method === "pat" && (
              <InputField
                label={t("field.pat")}
                name="pat"
                type="password"
                autoComplete="off"
                value={pat}
                required={!(sameMethod && stored?.pat)}
                helpText={sameMethod && stored?.pat ? t("field.patStored") : t("field.patHelp")}
                error={showRequired && missing.pat}
                validationText={showRequired && missing.pat ? t("wizard.required") : undefined}
                onChange={({ value }: { value?: string }) => setPat(value ?? "")}
                initialFocus={credentialsFirst}
                dataTest="pat"
              />
            )}
            {method === "oauth2" && (
              <>
                <InputField
                  label={t("field.clientId")}
                  name="clientId"
                  value={clientId}
                  required
                  helpText={t("field.clientIdHelp")}
                  error={showRequired && missing.clientId}
                  validationText={showRequired && missing.clientId ? t("wizard.required") : undefined}
                  onChange={({ value }: { value?: string }) => setClientId(value ?? "")}
                  dataTest="client-id"
                />
                <InputField
                  label={`${t("field.clientSecret")} (${t("common.optional")})`}
                  name="clientSecret"
                  type="password"
                  autoComplete="off"
                  value={clientSecret}
                  helpText={sameMethod && stored?.clientSecret ? t("field.clientSecretStored") : t("field.clientSecretHelp")}
                  onChange={({ value }: { value?: string }) => setClientSecret(value ?? "")}
                />
                <fieldset className="redirect-mode">
                  <legend>{t("field.redirectMode")}</legend>
                  <Radio
                    name="redirectMode"
                    value="loopback"
                    label={t("field.redirectLoopback")}
                    checked={redirectMode === "loopback"}
                    onChange={() => setRedirectMode("loopback")}
                  />
                  <Radio
                    name="redirectMode"
                    value="deep_link"
                    label={t("field.redirectDeepLink")}
                    checked={redirectMode === "deep_link"}
                    onChange={() => setRedirectMode("deep_link")}
                  />
                </fieldset>
                {redirectUri && (
                  <div className="redirect-uri card">
                    <label htmlFor="redirect-uri" className="strong">
                      {t("field.redirectUri")}
                    </label>
                    <div className="row">
                      <input id="redirect-uri" className="mono readonly-input grow" readOnly value={redirectUri} data-test="redirect-uri" />
                      <Button
                        small
                        dataTest="copy-redirect"
                        onClick={async () => setCopied((await copyText(redirectUri)) ? "ok" : "fail")}
                      >
                        {t("field.copyRedirect")}
                      </Button>
                    </div>
                    <span role="status" className="small">
                      {copied === "ok" ? t("common.copied") : copied === "fail" ? t("common.copyFailed") : ""}
                    </span>
                  </div>
                )}
                <details className="details">
                  <summary>{t("field.advanced")}</summary>
                  <InputField
                    label={`${t("field.scope")} (${t("common.optional")})`}
                    name="scope"
                    value={scope}
                    helpText={t("field.scopeHelp")}
                    onChange={({ value }: { value?: string }) => setScope(value ?? "")}
                  />
                </details>
              </>
            )}
            <fieldset className="swatches">
              <legend>{`${t("field.color")} (${t("common.optional")})`}</legend>
              <div className="row" role="radiogroup" aria-label={t("field.color")}>
                <button
                  type="button"
                  role="radio"
                  aria-checked={color === null}
                  className={color === null ? "swatch swatch-none swatch-on" : "swatch swatch-none"}
                  aria-label={t("field.colorNone")}
                  title={t("field.colorNone")}
                  onClick={() => setColor(null)}
                />
                {SWATCHES.map((s) => (
                  <button
                    key={s.color}
                    type="button"
                    role="radio"
                    aria-checked={color === s.color}
                    className={color === s.color ? "swatch swatch-on" : "swatch"}
                    style={{ background: s.color }}
                    aria-label={t("field.colorSwatch", { color: t(s.key) })}
                    title={t(s.key)}
                    onClick={() => setColor(s.color)}
                  />
                ))}
              </div>
            </fieldset>
            <TextAreaField
              label={`${t("field.notes")} (${t("common.optional")})`}
              name="notes"
              rows={2}
              value={notes}
              onChange={({ value }: { value?: string }) => setNotes(value ?? "")}
            />
            <InputField
              label={`${t("field.caCert")} (${t("common.optional")})`}
              name="caCertPath"
              value={caCertPath}
              helpText={t("field.caCertHelp")}
              onChange={({ value }: { value?: string }) => setCaCertPath(value ?? "")}
            />
          </div>
        )}

        {step === 4 && (
          <div className="wizard-step">
            <p>
              {t("wizard.summary", { name: input().name, address: baseUrl, method: t(METHOD_KEY[method]) })}
            </p>
            {method !== "oauth2" ? (
              <>
                <Button onClick={() => void verify()} loading={verifying} disabled={verifying} dataTest="verify">
                  {verifying ? t("wizard.verifying") : t("wizard.verify")}
                </Button>
                {verified && (
                  <NoticeBox valid title={verified.version ? t("wizard.verifyOk", { name: verified.displayName, version: verified.version }) : t("wizard.verifyOkNoVersion", { name: verified.displayName })} dataTest="verify-ok">
                    {" "}
                  </NoticeBox>
                )}
                {offerRegister && (
                  <div className="register-offer card" data-test="wizard-register-offer">
                    <p className="m0">{t("register.wizardOffer")}</p>
                    <Button small onClick={() => void save(true)} disabled={saving} dataTest="wizard-register-app">
                      {t("register.wizardButton")}
                    </Button>
                  </div>
                )}
                {verifyError && <ErrorNotice error={verifyError} />}
                {!verified && !verifyError && <p className="muted small">{t("wizard.verifyFirst")}</p>}
              </>
            ) : (
              <p className="muted">{t("wizard.oauthSaveHint")}</p>
            )}
            {saveError && <ErrorNotice error={saveError} />}
          </div>
        )}
        {saving && <CircularLoader small aria-label={t("common.loading")} />}
      </ModalContent>
      <ModalActions>
        <ButtonStrip end>
          <Button secondary onClick={close}>
            {t("common.cancel")}
          </Button>
          {step > 1 && (
            <Button secondary onClick={() => setStep(step - 1)} dataTest="back">
              {t("common.back")}
            </Button>
          )}
          {step < 4 && (
            <Button
              primary
              disabled={step === 1 ? !canNext : false}
              onClick={() => {
                if (step === 3 && !step3Ok) {
                  setShowRequired(true);
                  return;
                }
                setStep(step + 1);
              }}
              dataTest="next"
            >
              {t("common.next")}
            </Button>
          )}
          {step === 4 && (
            <Button
              primary
              onClick={() => void save()}
              loading={saving}
              // A token or field that can never work is not saved "without checking": fix it first.
              disabled={saving || (method !== "oauth2" && verifyError != null && UNSAVABLE.has(verifyError.kind))}
              dataTest="save"
            >
              {method === "oauth2"
                ? t("wizard.saveAndSignIn")
                : verified
                  ? t("wizard.save")
                  : t("wizard.saveAnyway")}
            </Button>
          )}
        </ButtonStrip>
      </ModalActions>
    </Modal>
  );
}
