import { useEffect, useRef, useState } from "react";
import { Button, ButtonStrip, CircularLoader, InputField, Modal, ModalActions, ModalContent, ModalTitle, NoticeBox } from "@dhis2/ui";
import * as api from "../api";
import type { AppError, AppRegistrationPlan, RegisteredApp } from "../bindings";
import { useI18n } from "../i18n";
import { useApp } from "../state";
import { ErrorNotice } from "./common";

// "Register dhis2w Desktop on this server" (issue 10), for DHIS2 administrators: what will be
// created is planned first (instances_plan_registration, nothing sent), shown in plain words and,
// for the curious, as the exact request; Register creates it (instances_register_app) and the
// instance then signs in through the browser.

export const DEFAULT_REFRESH_DAYS = 30;
export const MIN_REFRESH_DAYS = 1;
export const MAX_REFRESH_DAYS = 365;
/** A changed lifetime is planned again once the typing pauses (or the field is left). */
const REPLAN_DELAY_MS = 500;

/** The sign-in lifetime typed in the form: a whole number of days from 1 to 365, else null. */
export function parseRefreshDays(text: string): number | null {
  const s = text.trim();
  if (!/^\d{1,4}$/.test(s)) return null;
  const n = Number(s);
  return n >= MIN_REFRESH_DAYS && n <= MAX_REFRESH_DAYS ? n : null;
}

/** Kinds whose message from the core says itself what to do next (DHIS2's refusals in plain words). */
const SELF_EXPLAINED = new Set<AppError["kind"]>(["forbidden", "invalid_input", "oauth_not_enabled", "not_dhis2"]);
/** Plan refusals no other lifetime can change (the user, the DHIS2 version): only the reason is shown. */
const BLOCKING = new Set<AppError["kind"]>(["forbidden", "oauth_not_enabled", "not_dhis2"]);

export function RegisterAppDialog({ instanceId }: { instanceId: string }) {
  const { t } = useI18n();
  const { state, refresh, closeRegister, startSignIn } = useApp();
  const instance = state?.instances.find((i) => i.id === instanceId);
  const name = instance?.name ?? "";

  const [daysText, setDaysText] = useState(String(DEFAULT_REFRESH_DAYS));
  const days = parseRefreshDays(daysText);
  /** The lifetime the plan is (being) made for: follows `days` after a pause. */
  const [planDays, setPlanDays] = useState(DEFAULT_REFRESH_DAYS);
  /** Bumped to plan again with the same lifetime (a new client id after a refusal). */
  const [planRound, setPlanRound] = useState(0);
  const [plan, setPlan] = useState<AppRegistrationPlan | null>(null);
  const [planning, setPlanning] = useState(true);
  const [planError, setPlanError] = useState<AppError | null>(null);
  const [registering, setRegistering] = useState(false);
  const [registerError, setRegisterError] = useState<AppError | null>(null);
  const [done, setDone] = useState<RegisteredApp | null>(null);
  /** "Registering…" and a refusal sit below the (perhaps opened) request: scrolled into view. */
  const outcomeRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (registering || registerError) outcomeRef.current?.scrollIntoView?.({ block: "nearest" });
  }, [registering, registerError]);

  // A valid changed lifetime is planned again after a pause in the typing.
  useEffect(() => {
    if (days === null || days === planDays) return;
    const h = setTimeout(() => setPlanDays(days), REPLAN_DELAY_MS);
    return () => clearTimeout(h);
  }, [days, planDays]);

  useEffect(() => {
    let live = true;
    setPlanning(true);
    setPlanError(null);
    api
      .planRegistration(instanceId, planDays)
      .then((p) => {
        if (live) setPlan(p);
      })
      .catch((e) => {
        if (!live) return;
        setPlan(null);
        setPlanError(api.toAppError(e));
      })
      .finally(() => {
        if (live) setPlanning(false);
      });
    return () => {
      live = false;
    };
  }, [instanceId, planDays, planRound]);

  // Register only what is shown: the plan for the lifetime in the field, not one still being made.
  const ready = days !== null && plan !== null && plan.refreshDays === days && !planning && !registering;

  async function register() {
    if (!plan || !ready) return;
    setRegistering(true);
    setRegisterError(null);
    try {
      const r = await api.registerApp(instanceId, plan.clientId, plan.refreshDays);
      // The instance now signs in through the browser: show it so before offering to sign in.
      await refresh();
      setDone(r);
    } catch (e) {
      setRegisterError(api.toAppError(e));
      // The next try gets a new client id (one refused as taken, or perhaps created before the
      // answer was lost, is not sent again).
      setPlanRound((n) => n + 1);
    } finally {
      setRegistering(false);
    }
  }

  const explain = (e: AppError) => (SELF_EXPLAINED.has(e.kind) ? { text: e.message || undefined, next: t("register.next"), hideDetails: true } : {});
  // A new plan refused the same way as the registration says nothing more.
  const showPlanError = planError !== null && !(registerError && registerError.kind === planError.kind);
  const blocked = plan === null && !planning && planError !== null && BLOCKING.has(planError.kind);

  return (
    <Modal onClose={registering ? undefined : closeRegister} position="top" dataTest="register-app-dialog">
      <ModalTitle>{t("register.title")}</ModalTitle>
      <ModalContent>
        {done ? (
          <div className="register-body">
            <NoticeBox valid title={t("register.done", { name })} dataTest="register-done">
              {t("register.doneHelp", { clientId: done.clientId })}
            </NoticeBox>
          </div>
        ) : (
          <div className="register-body">
            <p className="m0">{t("register.intro")}</p>
            {!blocked && (
              <>
                <p className="m0 muted">{t("register.afterwards", { name })}</p>
                <InputField
                  label={t("register.days")}
                  name="refreshDays"
                  type="number"
                  min={String(MIN_REFRESH_DAYS)}
                  max={String(MAX_REFRESH_DAYS)}
                  step="1"
                  inputWidth="8em"
                  value={daysText}
                  disabled={registering}
                  onChange={({ value }: { value?: string }) => setDaysText(value ?? "")}
                  onBlur={() => {
                    if (days !== null) setPlanDays(days);
                  }}
                  helpText={t("register.daysHelp")}
                  error={days === null}
                  validationText={days === null ? t("register.daysInvalid") : undefined}
                  dataTest="register-days"
                />
                <section className="register-plan" aria-labelledby="register-plan-title">
                  <h3 id="register-plan-title" className="h3">
                    {t("register.whatTitle")}
                  </h3>
                  {planning && (
                    <div className="row muted" role="status">
                      <CircularLoader extrasmall aria-label={t("common.loading")} />
                      <span>{t("register.planning")}</span>
                    </div>
                  )}
                  {plan && (
                    <>
                      <dl className="kv" data-test="register-summary">
                        <dt>{t("register.clientId")}</dt>
                        <dd className="mono">{plan.clientId}</dd>
                        <dt>{t("register.returnAddresses", { count: plan.redirectUris.length })}</dt>
                        <dd className="mono">
                          {plan.redirectUris.map((u) => (
                            <div key={u}>{u}</div>
                          ))}
                        </dd>
                        <dt>{t("register.scopes")}</dt>
                        <dd className="mono">{plan.scopes.split(",").join(", ")}</dd>
                        <dt>{t("register.lifetime")}</dt>
                        <dd>{t("register.lifetimeDays", { days: plan.refreshDays })}</dd>
                        <dt>{t("register.version")}</dt>
                        <dd>{plan.version}</dd>
                      </dl>
                      <details className="details">
                        <summary data-test="register-show-request">{t("register.showRequest")}</summary>
                        <p className="muted small register-request-note">
                          {t("register.requestNote", { url: `${instance?.baseUrl ?? ""}/api/oAuth2Clients` })}
                        </p>
                        <pre className="mono register-payload" data-test="register-payload" tabIndex={0}>
                          {plan.payload}
                        </pre>
                      </details>
                    </>
                  )}
                </section>
              </>
            )}
            {showPlanError && planError && <ErrorNotice error={planError} title={t("register.planFailed")} {...explain(planError)} />}
            <div ref={outcomeRef} className="register-outcome">
              {registering && (
                <div className="row" role="status">
                  <CircularLoader small aria-label={t("common.loading")} />
                  <span>{t("register.registering", { name })}</span>
                </div>
              )}
              {registerError && <ErrorNotice error={registerError} title={t("register.failed")} {...explain(registerError)} />}
            </div>
          </div>
        )}
      </ModalContent>
      <ModalActions>
        {done ? (
          <ButtonStrip end>
            <Button secondary onClick={closeRegister}>
              {t("common.close")}
            </Button>
            <Button
              primary
              initialFocus
              onClick={() => {
                closeRegister();
                startSignIn(instanceId, false);
              }}
              dataTest="register-sign-in"
            >
              {t("register.signInNow")}
            </Button>
          </ButtonStrip>
        ) : (
          <ButtonStrip end>
            <Button secondary onClick={closeRegister} disabled={registering}>
              {t("common.cancel")}
            </Button>
            <Button primary onClick={() => void register()} disabled={!ready || blocked} loading={registering} dataTest="register-confirm">
              {t("register.confirm")}
            </Button>
          </ButtonStrip>
        )}
      </ModalActions>
    </Modal>
  );
}
