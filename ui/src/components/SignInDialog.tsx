import { useEffect, useRef, useState } from "react";
import { Button, ButtonStrip, CircularLoader, Modal, ModalActions, ModalContent, ModalTitle, NoticeBox } from "@dhis2/ui";
import * as api from "../api";
import type { AppError, Instance, SessionStatus } from "../bindings";
import { copyText, formatCountdown } from "../format";
import { useI18n, type T } from "../i18n";
import { useApp } from "../state";
import { ErrorNotice } from "./common";

export const SIGN_IN_SECONDS = 5 * 60;

/** Errors after which a Basic/PAT instance needs a new password or token. */
const CREDENTIAL_ERRORS = new Set<AppError["kind"]>([
  "sign_in_required",
  "invalid_credentials",
  "account_locked",
  "account_disabled",
  "token_expired",
  "pat_malformed",
  "pat_rejected",
]);

/** Errors after which "Sign in without keeping me signed in" is offered (device enrolment failed). */
const ENROLMENT_ERRORS = new Set<AppError["kind"]>(["enrolment_unavailable", "enrolment_refused"]);

type Phase =
  | { kind: "starting" }
  /** The browser shows DHIS2's device-enrolment page ("Keep me signed in on this computer"). */
  | { kind: "enrolling" }
  | { kind: "registering" }
  | { kind: "waiting" }
  | { kind: "exchanging" }
  | { kind: "done"; status: SessionStatus }
  | { kind: "cancelled" }
  | { kind: "expired" }
  | { kind: "failed"; error: AppError };

export function SignInDialog() {
  const { t } = useI18n();
  const { signIn, closeSignIn, startSignIn, state, setSession, setWizard } = useApp();
  const instanceId = signIn?.instanceId ?? "";
  const instance = state?.instances.find((i) => i.id === instanceId);
  const usesStoredSecret = instance != null && instance.authKind !== "oauth2";
  const askCredentials = () => {
    closeSignIn();
    if (instance) setWizard({ mode: "edit", instance, step: 3 });
  };
  const [phase, setPhase] = useState<Phase>({ kind: "starting" });
  const [authorizeUrl, setAuthorizeUrl] = useState<string | null>(null);
  const [deadline, setDeadline] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [copied, setCopied] = useState<"ok" | "fail" | null>(null);
  const [linkError, setLinkError] = useState<AppError | null>(null);
  const [attempt, setAttempt] = useState(0);
  /** This computer was registered during this sign-in (the browser may open once more). */
  const [registered, setRegistered] = useState(false);
  const finished = useRef(false);
  /** The browser step the countdown runs for: each one (enrolment, sign-in) has its own 5 minutes. */
  const countdownFor = useRef<string | null>(null);
  const usesStoredSecretRef = useRef(usesStoredSecret);
  usesStoredSecretRef.current = usesStoredSecret;
  const askCredentialsRef = useRef(askCredentials);
  askCredentialsRef.current = askCredentials;

  // Listen for progress, then start the sign-in.
  useEffect(() => {
    if (!signIn) return;
    finished.current = false;
    let unlisten: (() => void) | undefined;
    let dead = false;
    setPhase({ kind: "starting" });
    setAuthorizeUrl(null);
    setDeadline(null);
    setRegistered(false);
    countdownFor.current = null;
    (async () => {
      try {
        unlisten = await api.onSignInProgress((p) => {
          if (p.instanceId !== signIn.instanceId || finished.current) return;
          if (p.authorizeUrl) setAuthorizeUrl(p.authorizeUrl);
          if (p.stage === "waiting_for_browser" || p.stage === "waiting_for_enrolment") {
            setPhase({ kind: p.stage === "waiting_for_enrolment" ? "enrolling" : "waiting" });
            if (countdownFor.current !== p.stage) {
              countdownFor.current = p.stage;
              setDeadline(Date.now() + SIGN_IN_SECONDS * 1000);
              setNow(Date.now());
              setCopied(null);
            }
          } else if (p.stage === "registering") {
            setRegistered(true);
            setPhase({ kind: "registering" });
          } else if (p.stage === "exchanging") setPhase({ kind: "exchanging" });
        });
      } catch {
        /* events are optional for the flow */
      }
      if (dead) {
        unlisten?.();
        return;
      }
      try {
        const status = await api.sessionSignIn(signIn.instanceId, signIn.differentUser, signIn.keepSignedIn);
        if (dead) return;
        finished.current = true;
        setSession(status);
        setPhase({ kind: "done", status });
      } catch (e) {
        if (dead) return;
        finished.current = true;
        const err = api.toAppError(e);
        // Basic/PAT with nothing stored (e.g. after signing out): ask for the password/token.
        if (err.kind === "sign_in_required" && usesStoredSecretRef.current) {
          askCredentialsRef.current();
          return;
        }
        setPhase((prev) => (prev.kind === "expired" ? prev : err.kind === "cancelled" ? { kind: "cancelled" } : { kind: "failed", error: err }));
      }
    })();
    return () => {
      dead = true;
      unlisten?.();
    };
  }, [signIn, attempt, setSession]);

  // Countdown.
  useEffect(() => {
    if (deadline == null) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [deadline]);
  const secondsLeft = deadline == null ? SIGN_IN_SECONDS : Math.max(0, Math.round((deadline - now) / 1000));
  useEffect(() => {
    if (deadline != null && secondsLeft === 0 && !finished.current && (phase.kind === "waiting" || phase.kind === "enrolling")) {
      finished.current = true;
      setPhase({ kind: "expired" });
      void api.sessionCancelSignIn(instanceId).catch(() => undefined);
    }
  }, [secondsLeft, deadline, phase.kind, instanceId]);

  const inProgress =
    phase.kind === "starting" || phase.kind === "enrolling" || phase.kind === "registering" || phase.kind === "waiting" || phase.kind === "exchanging";
  const enrolmentFailed = phase.kind === "failed" && ENROLMENT_ERRORS.has(phase.error.kind);
  const withoutKeeping = () => startSignIn(instanceId, signIn?.differentUser ?? false, false);

  async function cancel() {
    if (inProgress) {
      try {
        await api.sessionCancelSignIn(instanceId);
      } catch {
        /* closing anyway */
      }
    }
    closeSignIn();
  }

  const name = instance?.name ?? instanceId;
  // "Sign in as a different user": the browser first opens DHIS2's logout page, then the sign-in.
  const differentUserNote =
    signIn?.differentUser && !usesStoredSecret ? (
      <p className="muted" data-test="different-user-note">
        {t("signin.differentUserNote")}
      </p>
    ) : null;
  return (
    <Modal onClose={() => void cancel()} position="middle" dataTest="sign-in-dialog">
      <ModalTitle>{t("signin.title", { name })}</ModalTitle>
      <ModalContent>
        <div aria-live="polite" className="signin-body">
          {phase.kind === "starting" && (
            <div className="row">
              <CircularLoader small /> {usesStoredSecret ? t("signin.basicHelp") : t("signin.starting")}
            </div>
          )}
          {phase.kind === "starting" && differentUserNote}
          {(phase.kind === "waiting" || phase.kind === "enrolling") && (
            <>
              {phase.kind === "enrolling" ? (
                <p className="big strong" data-test="enrol-waiting">
                  {t("signin.enrolWaiting")}
                </p>
              ) : (
                <>
                  <p className="big strong">{t("signin.waiting")}</p>
                  {/* Right after registering, the browser is signed in already: it usually passes through. */}
                  {registered ? <p className="state-ok">{t("signin.registered")}</p> : <p>{t("signin.waitingHelp")}</p>}
                  {differentUserNote}
                </>
              )}
              <p className="countdown" data-test="countdown">
                {t("signin.timeLeft", { time: formatCountdown(secondsLeft) })}
              </p>
              <ButtonStrip>
                <Button
                  disabled={!authorizeUrl}
                  onClick={async () => {
                    setLinkError(null);
                    if (!authorizeUrl) return;
                    try {
                      await api.openInBrowser(authorizeUrl);
                    } catch (e) {
                      setLinkError(api.toAppError(e));
                    }
                  }}
                  dataTest="open-again"
                >
                  {t("signin.openAgain")}
                </Button>
                <Button
                  disabled={!authorizeUrl}
                  onClick={async () => setCopied(authorizeUrl && (await copyText(authorizeUrl)) ? "ok" : "fail")}
                  dataTest="copy-link"
                >
                  {t("signin.copyLink")}
                </Button>
              </ButtonStrip>
              <span role="status" className="small">
                {copied === "ok" ? t("common.copied") : copied === "fail" ? t("common.copyFailed") : ""}
              </span>
              {linkError && <ErrorNotice error={linkError} />}
              {phase.kind === "enrolling" && (
                // DHIS2 shows its refusals in the browser only: say what they mean, and what to send on.
                <div className="enrol-refusal-help">
                  <p className="m0">{t("signin.enrolHelp")}</p>
                  <details className="details" data-test="enrol-admin-note">
                    <summary>{t("signin.adminMessage")}</summary>
                    <AdminMessage text={t("signin.enrolAdminNote", { address: enrolAllowlistEntry(instance) })} bare />
                  </details>
                </div>
              )}
            </>
          )}
          {phase.kind === "registering" && (
            <div className="row" data-test="enrol-registering">
              <CircularLoader small /> {t("signin.registering")}
            </div>
          )}
          {phase.kind === "exchanging" && (
            <div className="row">
              <CircularLoader small /> {t("signin.exchanging")}
            </div>
          )}
          {phase.kind === "done" && (
            <NoticeBox valid title={signedInTitle(phase.status, t)}>
              {" "}
            </NoticeBox>
          )}
          {phase.kind === "cancelled" && <p>{t("signin.cancelled")}</p>}
          {phase.kind === "expired" && <NoticeBox warning title={t("signin.expired")}>{" "}</NoticeBox>}
          {phase.kind === "failed" && (
            <ErrorNotice error={phase.error} title={t("signin.failed")} hideDetails={phase.error.kind === "enrolment_refused"} />
          )}
          {phase.kind === "failed" && phase.error.kind === "enrolment_refused" && phase.error.message && (
            // The core's message names the DHIS2 setting to change: shown in full, to send on.
            <AdminMessage text={phase.error.message} />
          )}
        </div>
      </ModalContent>
      <ModalActions>
        <ButtonStrip end>
          {phase.kind === "failed" && usesStoredSecret && CREDENTIAL_ERRORS.has(phase.error.kind) && (
            <Button onClick={askCredentials} dataTest="enter-credentials">
              {t("instances.enterCredentials")}
            </Button>
          )}
          {/* Trying again cannot help while this DHIS2 offers no enrolment at all. */}
          {(phase.kind === "failed" || phase.kind === "cancelled" || phase.kind === "expired") &&
            !(phase.kind === "failed" && phase.error.kind === "enrolment_unavailable") && (
              <Button onClick={() => setAttempt((n) => n + 1)} dataTest="retry">
                {t("common.retry")}
              </Button>
            )}
          {enrolmentFailed && (
            <Button primary onClick={withoutKeeping} dataTest="sign-in-without-keeping">
              {t("signin.withoutKeeping")}
            </Button>
          )}
          {inProgress ? (
            <Button secondary onClick={() => void cancel()} dataTest="cancel-sign-in">
              {t("common.cancel")}
            </Button>
          ) : (
            <Button primary={!enrolmentFailed} secondary={enrolmentFailed} onClick={closeSignIn} dataTest="close-sign-in">
              {t("common.close")}
            </Button>
          )}
        </ButtonStrip>
      </ModalActions>
    </Modal>
  );
}

/** The core's words for the administrator (which DHIS2 setting to change), with a Copy button. */
function AdminMessage({ text, bare }: { text: string; bare?: boolean }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<"ok" | "fail" | null>(null);
  return (
    <div className="admin-message" data-test="admin-message">
      {!bare && <p className="strong m0">{t("signin.adminMessage")}</p>}
      <p className="mono admin-message-text">{text}</p>
      <Button small onClick={async () => setCopied((await copyText(text)) ? "ok" : "fail")} dataTest="copy-admin-message">
        {t("signin.copyAdminMessage")}
      </Button>{" "}
      <span role="status" className="small">
        {copied === "ok" ? t("common.copied") : copied === "fail" ? t("common.copyFailed") : ""}
      </span>
    </div>
  );
}

/** What DHIS2's deviceEnrollmentRedirectAllowlist must hold for this instance's redirect (the
 * loopback's port changes on every sign-in, hence the wildcard). */
export function enrolAllowlistEntry(instance: Instance | undefined): string {
  return instance?.oauth2?.redirectMode === "deep_link" ? "org.dhis2w.desktop:/oauth2/callback" : "http://127.0.0.1:*/oauth2/callback";
}

/** "You are signed in as <name>.", or without a name when the server did not say who. */
function signedInTitle(status: SessionStatus, t: T): string {
  const name = status.user?.displayName || status.user?.username || "";
  return name ? t("signin.done", { name }) : t("signin.doneNoName");
}
