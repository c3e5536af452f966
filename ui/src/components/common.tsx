import { NoticeBox } from "@dhis2/ui";
import type { AppError, SessionStatus } from "../bindings";
import { useI18n, type T } from "../i18n";

/** A plain-words error with its next step; the backend's own message is offered as details
 * (`hideDetails` when the caller shows that message itself). `text` replaces the kind's general
 * words (e.g. with the core's own plain message), `next` the kind's next step. */
export function ErrorNotice({ error, title, hideDetails, text, next: nextStep }: { error: AppError; title?: string; hideDetails?: boolean; text?: string; next?: string }) {
  const { t, errorText } = useI18n();
  const words = errorText(error);
  const message = text ?? words.message;
  const next = nextStep ?? words.next;
  return (
    <NoticeBox error title={title ?? message} dataTest="error-notice">
      {title ? <p className="m0">{message}</p> : null}
      <p className="m0">
        <strong>{t("common.nextStep")}:</strong> {next}
      </p>
      {!hideDetails && error.message && error.message !== message ? (
        <details className="details">
          <summary>{t("common.details")}</summary>
          <span className="mono">{error.message}</span>
        </details>
      ) : null}
    </NoticeBox>
  );
}

export function ColorDot({ color, size = 12 }: { color: string | null; size?: number }) {
  return (
    <span
      aria-hidden="true"
      className="color-dot"
      style={{ width: size, height: size, background: color ?? "transparent", borderStyle: color ? "none" : "dashed" }}
    />
  );
}

export function sessionText(t: T, s: SessionStatus | undefined, nowSec = Date.now() / 1000): string {
  if (!s) return t("state.checking");
  if (s.state === "signed_in") {
    // The DHIS2 display name, else the username; just "Signed in" while nobody is known yet.
    const name = s.user?.displayName?.trim() || s.user?.username?.trim() || "";
    let text = name ? t("state.signedIn", { name }) : t("state.signedInNoName");
    if (s.expiresAt != null) {
      const minutes = Math.floor((s.expiresAt - nowSec) / 60);
      // Past its expiry but still "signed in": the backend renews it (refresh token) when used.
      text += " · " + (minutes >= 0 ? t("state.expiresIn", { minutes: Math.max(minutes, 0) }) : t("state.renews"));
    }
    return text;
  }
  return s.state === "needs_sign_in" ? t("state.needsSignIn") : t("state.signedOut");
}

export function SessionLabel({ status }: { status: SessionStatus | undefined }) {
  const { t } = useI18n();
  const cls = !status ? "state" : status.state === "signed_in" ? "state state-ok" : status.state === "needs_sign_in" ? "state state-warn" : "state";
  return <span className={cls} data-test="session-state">{sessionText(t, status)}</span>;
}
