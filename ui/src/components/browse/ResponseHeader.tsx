import { useState } from "react";
import { Button, ButtonStrip } from "@dhis2/ui";
import * as api from "../../api";
import type { AppError } from "../../bindings";
import { copyText, formatBytes, formatMs } from "../../format";
import { useI18n } from "../../i18n";
import { NameDialog } from "../analytics/SaveDialog";
import type { Result } from "./types";

/** Status, time, size, "Copy as curl", "Save response" and the response headers. */
export function ResponseHeader({ result, onError, needText }: { result: Result; onError: (e: AppError | null) => void; needText: () => Promise<string> }) {
  const { t } = useI18n();
  const [curl, setCurl] = useState<string | null>(null);
  const [savedTo, setSavedTo] = useState<string | null>(null);
  const [naming, setNaming] = useState(false);
  const [questionNote, setQuestionNote] = useState<string | null>(null);
  return (
    <>
      <div className="response-bar">
        <dl className="response-meta">
          <div>
            <dt>{t("response.status")}</dt>
            <dd className={result.meta.status >= 400 ? "status-bad" : "status-ok"} data-test="response-status">
              {result.meta.status}
            </dd>
          </div>
          <div>
            <dt>{t("response.time")}</dt>
            <dd>{formatMs(result.meta.elapsedMs)}</dd>
          </div>
          <div>
            <dt>{t("response.size")}</dt>
            <dd>{formatBytes(result.meta.sizeBytes)}</dd>
          </div>
        </dl>
        <ButtonStrip>
          <Button
            small
            dataTest="copy-curl"
            onClick={async () => {
              onError(null);
              try {
                const c = await api.browseCurl(result.request);
                await copyText(c);
                setCurl(c);
              } catch (e) {
                onError(api.toAppError(e));
              }
            }}
          >
            {t("response.copyCurl")}
          </Button>
          <Button
            small
            dataTest="save-response"
            onClick={async () => {
              onError(null);
              try {
                const name = (result.request.path.split("/").filter(Boolean).pop() ?? "response") + (result.parsed.isJson ? ".json" : ".txt");
                const saved = await api.browseSave(name, await needText());
                if (saved) setSavedTo(saved);
              } catch (e) {
                onError(api.toAppError(e));
              }
            }}
          >
            {t("response.save")}
          </Button>
          <Button small dataTest="save-question" onClick={() => (setQuestionNote(null), setNaming(true))}>
            {t("analytics.save")}
          </Button>
        </ButtonStrip>
      </div>
      {curl && (
        <div className="curl" data-test="curl" role="status">
          <p className="small m0">{t("response.curlCopied")}</p>
          <pre className="mono pre">{curl}</pre>
        </div>
      )}
      {questionNote && (
        <p className="small" role="status" data-test="question-note">
          {questionNote}
        </p>
      )}
      {naming && (
        <NameDialog
          title={t("analytics.saveTitle")}
          initialName=""
          make={(name) => ({ id: "", name, question: { kind: "request", path: result.request.path, query: result.request.query }, updatedAt: 0 })}
          onClose={() => setNaming(false)}
          onSaved={(s) => {
            setNaming(false);
            setQuestionNote(t("analytics.saved", { name: s.name }));
          }}
        />
      )}
      {savedTo && (
        <p className="small" role="status">
          {t("response.savedTo", { path: savedTo })}
        </p>
      )}
      <details className="details">
        <summary>
          {t("response.headers")} ({result.meta.headers.length})
        </summary>
        <table className="headers-table">
          <tbody>
            {result.meta.headers.map(([k, v], i) => (
              <tr key={i}>
                <th scope="row" className="mono">
                  {k}
                </th>
                <td className="mono">{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}
