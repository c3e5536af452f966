import { useEffect, useState } from "react";
import { Button, ButtonStrip, Modal, ModalActions, ModalContent, ModalTitle, NoticeBox, Tag } from "@dhis2/ui";
import * as api from "../api";
import type { AppError, Instance, InstancesState } from "../bindings";
import { useI18n, type MessageKey } from "../i18n";
import { preloadWizard } from "../screens";
import { useApp } from "../state";
import { ErrorNotice, SessionLabel } from "./common";

export const METHOD_KEY: Record<Instance["authKind"], MessageKey> = {
  basic: "method.basic",
  pat: "method.pat",
  oauth2: "method.oauth2",
};

function InstanceCard({ instance, onError }: { instance: Instance; onError: (e: AppError | null) => void }) {
  const { t, lang } = useI18n();
  const { state, sessions, apply, refresh, setActive, setWizard, startSignIn, setSession, canRegister, checkCanRegister, openRegister } = useApp();
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [confirmForget, setConfirmForget] = useState(false);
  /** After "Forget this computer": whether DHIS2 removed the registration too. */
  const [forgotten, setForgotten] = useState<{ removedOnServer: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [signedOutNote, setSignedOutNote] = useState("");
  const status = sessions[instance.id];
  const isActive = state?.activeId === instance.id;
  const isDefault = state?.defaultId === instance.id;
  const signedIn = status?.state === "signed_in";
  const isOAuth = instance.authKind === "oauth2";
  // Unknown until the status is read: offer neither "keep me signed in" nor "forget".
  const enrolled = isOAuth && status?.deviceEnrolled === true;
  const canKeep = isOAuth && status != null && !status.deviceEnrolled;
  // "Register the app on this server…": for a signed-in password/PAT user who may manage OAuth2
  // clients. Whether they may is asked once per run (instances_verify_saved) unless the wizard's
  // check said so already.
  const offerRegister = signedIn && !isOAuth && canRegister[instance.id] === true;
  useEffect(() => {
    if (signedIn && !isOAuth) checkCanRegister(instance.id);
  }, [signedIn, isOAuth, instance.id, checkCanRegister]);

  async function run(f: () => Promise<void>) {
    setBusy(true);
    onError(null);
    try {
      await f();
    } catch (e) {
      onError(api.toAppError(e));
    } finally {
      setBusy(false);
    }
  }

  const titleId = `inst-${instance.id}-name`;
  return (
    <li className={isActive ? "card instance-card instance-active" : "card instance-card"} aria-labelledby={titleId}>
      <div className="instance-color" style={{ background: instance.color ?? "var(--colors-grey300)" }} aria-hidden="true" />
      <div className="instance-body">
        <div className="instance-head">
          <h3 id={titleId} className="instance-name">
            {instance.name}
          </h3>
          {isActive && <Tag positive>{t("instances.active")}</Tag>}
          {isDefault && <Tag neutral>{t("instances.default")}</Tag>}
        </div>
        <div className="instance-url mono">{instance.baseUrl}</div>
        <div className="instance-meta">
          <SessionLabel status={status} />
          <span className="muted"> · {t("instances.method", { method: t(METHOD_KEY[instance.authKind]) })}</span>
          {signedIn && isOAuth && status?.expiresAt != null && (
            // Renews the browser sign-in now with its refresh token (no browser); without one
            // the error says to sign in again.
            <button
              type="button"
              className="small-btn renew-btn"
              disabled={busy}
              onClick={() => void run(async () => setSession(await api.sessionRefreshNow(instance.id)))}
              data-test="renew-now"
            >
              {t("instances.renewNow")}
            </button>
          )}
        </div>
        {status?.state === "needs_sign_in" && isOAuth && (
          <div className="state-warn small" data-test="session-hint">
            {t("state.expiredHint")}
          </div>
        )}
        {signedOutNote && !signedIn && (
          <div className="muted small" role="status" data-test="signed-out-note">
            {signedOutNote}
          </div>
        )}
        {enrolled && (
          <div className="state-ok small" data-test="device-enrolled">
            {t("enrol.kept")}
          </div>
        )}
        {forgotten && !enrolled && (
          <div className="muted small" role="status" data-test="forget-outcome">
            {forgotten.removedOnServer ? t("enrol.forgotRemoved") : t("enrol.forgotKeptOnServer")}
          </div>
        )}
        {instance.notes && <div className="muted small">{t("instances.notes", { notes: instance.notes })}</div>}
        <div className="instance-actions" role="group" aria-label={t("instances.actionsFor", { name: instance.name })}>
          {!isActive && (
            <Button small primary disabled={busy} onClick={() => void setActive(instance.id)}>
              {t("instances.switch")}
            </Button>
          )}
          {signedIn ? (
            <Button
              small
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  // DHIS2's access tokens are self-contained: revoking cannot cut the last one
                  // short, so say until when the server still accepts it.
                  const until = instance.authKind === "oauth2" ? status?.expiresAt ?? null : null;
                  setSession(await api.sessionSignOut(instance.id));
                  setSignedOutNote(
                    until != null && until * 1000 > Date.now()
                      ? t("instances.signedOutUntil", { time: new Date(until * 1000).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }) })
                      : "",
                  );
                  // Basic/PAT sign-out deletes the stored password/token: show it as gone.
                  if (instance.authKind !== "oauth2") await refresh();
                })
              }
            >
              {t("instances.signOut")}
            </Button>
          ) : (
            <Button small disabled={busy} onClick={() => startSignIn(instance.id, false)}>
              {t("instances.signIn")}
            </Button>
          )}
          {isOAuth && (
            <Button small secondary disabled={busy} onClick={() => startSignIn(instance.id, true)}>
              {t("signin.differentUser")}
            </Button>
          )}
          {canKeep && (
            <Button small secondary disabled={busy} onClick={() => startSignIn(instance.id, false, true)} dataTest="keep-signed-in">
              {t("enrol.keep")}
            </Button>
          )}
          {enrolled && (
            <Button small secondary disabled={busy} onClick={() => setConfirmForget(true)} dataTest="forget-device">
              {t("enrol.forget")}
            </Button>
          )}
          {offerRegister && (
            <Button small secondary disabled={busy} onClick={() => openRegister(instance.id)} dataTest="register-app">
              {t("register.action")}
            </Button>
          )}
          <Button small secondary disabled={busy} onClick={() => setWizard({ mode: "edit", instance })}>
            {t("instances.edit")}
          </Button>
          {!isDefault && (
            <Button small secondary disabled={busy} onClick={() => void run(async () => apply(await api.instancesSetDefault(instance.id)))}>
              {t("instances.setDefault")}
            </Button>
          )}
          <Button small destructive secondary disabled={busy} onClick={() => setConfirmRemove(true)}>
            {t("instances.remove")}
          </Button>
        </div>
        {canKeep && (
          <div className="muted small" data-test="keep-signed-in-help">
            {t("enrol.keepHelp")}
          </div>
        )}
      </div>
      {confirmRemove && (
        <ConfirmModal
          dataTest="remove-modal"
          title={t("instances.removeTitle", { name: instance.name })}
          body={t("instances.removeBody")}
          confirm={t("instances.remove")}
          onCancel={() => setConfirmRemove(false)}
          onConfirm={() =>
            void run(async () => {
              setConfirmRemove(false);
              apply(await api.instancesRemove(instance.id));
            })
          }
        />
      )}
      {confirmForget && (
        <ConfirmModal
          dataTest="forget-modal"
          confirmDataTest="forget-confirm"
          title={t("enrol.forgetTitle")}
          body={t("enrol.forgetBody", { name: instance.name })}
          confirm={t("enrol.forget")}
          onCancel={() => setConfirmForget(false)}
          onConfirm={() =>
            void run(async () => {
              setConfirmForget(false);
              const report = await api.sessionForgetDevice(instance.id);
              setSession(report.status);
              setSignedOutNote("");
              setForgotten({ removedOnServer: report.removedOnServer });
            })
          }
        />
      )}
    </li>
  );
}

/** "Are you sure?" before a destructive action; Cancel has the focus. */
function ConfirmModal(props: {
  dataTest: string;
  confirmDataTest?: string;
  title: string;
  body: string;
  confirm: string;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const { t } = useI18n();
  return (
    <Modal small onClose={props.onCancel} dataTest={props.dataTest}>
      <ModalTitle>{props.title}</ModalTitle>
      <ModalContent>{props.body}</ModalContent>
      <ModalActions>
        <ButtonStrip end>
          <Button secondary onClick={props.onCancel} initialFocus>
            {t("common.cancel")}
          </Button>
          <Button destructive onClick={props.onConfirm} dataTest={props.confirmDataTest}>
            {props.confirm}
          </Button>
        </ButtonStrip>
      </ModalActions>
    </Modal>
  );
}

/** The profiles file could not be read at start-up and was set aside (only in that run). */
export function RecoveryNotice({ recovery }: { recovery: NonNullable<InstancesState["recovery"]> }) {
  const { t } = useI18n();
  const [hidden, setHidden] = useState(false);
  if (hidden) return null;
  return (
    <NoticeBox warning title={t("instances.recoveryTitle")} dataTest="recovery-notice">
      <p className="m0">{t("instances.recovery", { path: recovery.backupPath })}</p>
      <details className="details">
        <summary>{t("common.details")}</summary>
        <span className="mono">{t("instances.recoveryReason", { reason: recovery.reason })}</span>
      </details>
      <Button small secondary onClick={() => setHidden(true)}>
        {t("common.close")}
      </Button>
    </NoticeBox>
  );
}

/** What became of a sign-in link no running sign-in took (typically: it started the app): the
 * sign-in it finished, or why it could not (sign_in_required: the link has expired). */
export function LinkOutcomeNotice() {
  const { t, errorText } = useI18n();
  const { linkOutcome, dismissLinkOutcome, state } = useApp();
  if (!linkOutcome) return null;
  const { status, error } = linkOutcome;
  const dismiss = (
    <Button small secondary onClick={dismissLinkOutcome} dataTest="link-outcome-dismiss">
      {t("common.close")}
    </Button>
  );
  if (error) {
    const words = errorText(error);
    // The core's message says what happened to this link; the kind gives the headline and next step.
    const message = error.message.trim() || (error.kind === "sign_in_required" ? t("link.expired") : "");
    return (
      <div className="link-outcome" data-test="link-outcome" role="status">
        <ErrorNotice error={error} title={message ? words.message : undefined} text={message || undefined} hideDetails />
        {dismiss}
      </div>
    );
  }
  if (!status) return null;
  const instance = state?.instances.find((i) => i.id === status.instanceId)?.name ?? status.instanceId;
  const name = status.user?.displayName?.trim() || status.user?.username?.trim() || "";
  return (
    <div className="link-outcome" data-test="link-outcome" role="status">
      <NoticeBox valid title={name ? t("link.signedIn", { instance, name }) : t("link.signedInNoName", { instance })}>
        {dismiss}
      </NoticeBox>
    </div>
  );
}

/** A performance mark after the next paint, once per page load (read by `make bench`). */
export function markOnce(name: string) {
  if (performance.getEntriesByName(name).length > 0) return;
  requestAnimationFrame(() => setTimeout(() => performance.mark(name), 0));
}

export function InstancesPage() {
  const { t } = useI18n();
  const { state, loadError, setWizard } = useApp();
  const [error, setError] = useState<AppError | null>(null);
  const readOnly = state?.readOnly ?? null;
  // A file from a newer dhis2w shows no instances, but it is not a first run: no welcome.
  const empty = state !== null && state.instances.length === 0 && !readOnly;
  // First run: the wizard is the only way on, so its code (a chunk of its own) is fetched now.
  useEffect(() => {
    if (empty) preloadWizard();
  }, [empty]);
  // "Ready": the first time the list shows real data, once painted (the start-up benchmark reads it).
  const loaded = state !== null;
  useEffect(() => {
    if (loaded) markOnce("dhis2w-ready");
  }, [loaded]);
  return (
    <section aria-labelledby="instances-title" className="page">
      <div className="page-head">
        <h1 id="instances-title">{t("instances.title")}</h1>
        {!empty && !readOnly && (
          <Button primary onClick={() => setWizard({ mode: "add" })} dataTest="add-instance">
            {t("instances.add")}
          </Button>
        )}
      </div>
      <LinkOutcomeNotice />
      {state?.storage.mode === "session_only" && (
        <NoticeBox warning dataTest="storage-banner">
          {t("instances.storageBanner")}
        </NoticeBox>
      )}
      {state?.recovery && <RecoveryNotice recovery={state.recovery} />}
      {readOnly && (
        <NoticeBox warning title={t("instances.readOnlyTitle")} dataTest="read-only-notice">
          <p className="m0">{t("instances.readOnly")}</p>
          <details className="details">
            <summary>{t("common.details")}</summary>
            <span className="mono">{readOnly}</span>
          </details>
        </NoticeBox>
      )}
      {loadError && <ErrorNotice error={loadError} />}
      {error && <ErrorNotice error={error} />}
      {empty && (
        // First run: what the app is for, and one big way to start.
        <div className="empty card welcome" data-test="empty-state">
          <h2 className="h3">{t("instances.empty")}</h2>
          <p className="welcome-text">{t("instances.welcome")}</p>
          <Button primary large onClick={() => setWizard({ mode: "add" })} dataTest="add-first-instance">
            {t("instances.addFirst")}
          </Button>
        </div>
      )}
      <ul className="instance-list">
        {state?.instances.map((i) => <InstanceCard key={i.id} instance={i} onError={setError} />)}
      </ul>
    </section>
  );
}
