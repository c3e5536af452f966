import { useEffect, useRef, useState } from "react";
import { Button, ButtonStrip, CircularLoader, Modal, ModalActions, ModalContent, ModalTitle, NoticeBox } from "@dhis2/ui";
import * as api from "../api";
import type { AppError, SessionStatus } from "../bindings";
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

type Phase =
  | { kind: "starting" }
  | { kind: "waiting" }
  | { kind: "exchanging" }
  | { kind: "done"; status: SessionStatus }
  | { kind: "cancelled" }
  | { kind: "expired" }
  | { kind: "failed"; error: AppError };

export function SignInDialog() {
  const { t } = useI18n();
  const { signIn, closeSignIn, state, setSession, setWizard } = useApp();
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
  const finished = useRef(false);
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
    (async () => {
      try {
        unlisten = await api.onSignInProgress((p) => {
          if (p.instanceId !== signIn.instanceId || finished.current) return;
          if (p.authorizeUrl) setAuthorizeUrl(p.authorizeUrl);
          if (p.stage === "waiting_for_browser") {
            setPhase({ kind: "waiting" });
            setDeadline((d) => d ?? Date.now() + SIGN_IN_SECONDS * 1000);
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
        const status = await api.sessionSignIn(signIn.instanceId, signIn.differentUser);
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
    if (deadline != null && secondsLeft === 0 && !finished.current && phase.kind === "waiting") {
      finished.current = true;
      setPhase({ kind: "expired" });
      void api.sessionCancelSignIn(instanceId).catch(() => undefined);
    }
  }, [secondsLeft, deadline, phase.kind, instanceId]);

  const inProgress = phase.kind === "starting" || phase.kind === "waiting" || phase.kind === "exchanging";

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
  return (
    <Modal onClose={() => void cancel()} position="middle" dataTest="sign-in-dialog">
      <ModalTitle>{t("signin.title", { name })}</ModalTitle>
      <ModalContent>
        <div aria-live="polite" className="signin-body">
          {phase.kind === "starting" && (
            <p className="row">
              <CircularLoader small /> {usesStoredSecret ? t("signin.basicHelp") : t("signin.starting")}
            </p>
          )}
          {phase.kind === "waiting" && (
            <>
              <p className="big strong">{t("signin.waiting")}</p>
              <p>{t("signin.waitingHelp")}</p>
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
            </>
          )}
          {phase.kind === "exchanging" && (
            <p className="row">
              <CircularLoader small /> {t("signin.exchanging")}
            </p>
          )}
          {phase.kind === "done" && (
            <NoticeBox valid title={signedInTitle(phase.status, t)}>
              {" "}
            </NoticeBox>
          )}
          {phase.kind === "cancelled" && <p>{t("signin.cancelled")}</p>}
          {phase.kind === "expired" && <NoticeBox warning title={t("signin.expired")}>{" "}</NoticeBox>}
          {phase.kind === "failed" && <ErrorNotice error={phase.error} title={t("signin.failed")} />}
        </div>
      </ModalContent>
      <ModalActions>
        <ButtonStrip end>
          {phase.kind === "failed" && usesStoredSecret && CREDENTIAL_ERRORS.has(phase.error.kind) && (
            <Button onClick={askCredentials} dataTest="enter-credentials">
              {t("instances.enterCredentials")}
            </Button>
          )}
          {(phase.kind === "failed" || phase.kind === "cancelled" || phase.kind === "expired") && (
            <Button onClick={() => setAttempt((n) => n + 1)} dataTest="retry">
              {t("common.retry")}
            </Button>
          )}
          {inProgress ? (
            <Button secondary onClick={() => void cancel()} dataTest="cancel-sign-in">
              {t("common.cancel")}
            </Button>
          ) : (
            <Button primary onClick={closeSignIn} dataTest="close-sign-in">
              {t("common.close")}
            </Button>
          )}
        </ButtonStrip>
      </ModalActions>
    </Modal>
  );
}

/** "You are signed in as <name>.", or without a name when the server did not say who. */
function signedInTitle(status: SessionStatus, t: T): string {
  const name = status.user?.displayName || status.user?.username || "";
  return name ? t("signin.done", { name }) : t("signin.doneNoName");
}
