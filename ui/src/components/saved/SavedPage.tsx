import { useCallback, useEffect, useState } from "react";
import { Button, ButtonStrip, Modal, ModalActions, ModalContent, ModalTitle } from "@dhis2/ui";
import * as api from "../../api";
import type { AnalyticsQuery, AppError, SavedQuestion } from "../../bindings";
import { requestPath, searchSaved } from "../../analytics/saved";
import { formatCount } from "../../format";
import { useI18n } from "../../i18n";
import { useApp } from "../../state";
import { ErrorNotice } from "../common";
import { NameDialog } from "../analytics/SaveDialog";
import { ComparePanel } from "./ComparePanel";
import { RunOnPanel } from "./RunOnPanel";
import { SavedList } from "./SavedList";

type Panel = { kind: "runOn" | "compare"; saved: SavedQuestion; query: AnalyticsQuery } | null;

/** "Saved": the saved questions, with search, open, run on another instance, compare, rename, delete, export, import. */
export function SavedPage() {
  const { t, lang } = useI18n();
  const { state, active, openQuery, openPath } = useApp();
  const instances = state?.instances ?? [];
  const [list, setList] = useState<SavedQuestion[] | null>(null);
  const [text, setText] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<AppError | null>(null);
  const [note, setNote] = useState("");
  const [renaming, setRenaming] = useState<SavedQuestion | null>(null);
  const [deleting, setDeleting] = useState<SavedQuestion | null>(null);
  const [panel, setPanel] = useState<Panel>(null);

  const load = useCallback(async () => {
    try {
      setList(await api.savedList());
    } catch (e) {
      setError(api.toAppError(e));
    }
  }, []);
  useEffect(() => void load(), [load]);

  async function act(f: () => Promise<void>) {
    setError(null);
    setNote("");
    try {
      await f();
    } catch (e) {
      setError(api.toAppError(e));
    }
  }

  const shown = list ? searchSaved(list, text) : [];
  const other = instances.find((i) => i.id !== active?.id)?.id ?? active?.id ?? "";
  const exportIds = [...selected].filter((id) => list?.some((s) => s.id === id));

  return (
    <section className="page page-wide" aria-labelledby="saved-title">
      <div className="page-head">
        <h1 id="saved-title">{t("saved.title")}</h1>
      </div>
      <div className="saved-tools">
        <label htmlFor="saved-search" className="sr-only">
          {t("saved.search")}
        </label>
        <input id="saved-search" type="search" className="text-input saved-search" placeholder={t("saved.search")} value={text} onChange={(e) => setText(e.target.value)} data-test="saved-search" />
        <ButtonStrip>
          <Button
            small
            onClick={() =>
              void act(async () => {
                const added = await api.savedImport(null);
                if (added.length) setNote(t("saved.imported", { n: formatCount(added.length, lang) }));
                await load();
              })
            }
            dataTest="saved-import"
          >
            {t("saved.import")}
          </Button>
          <Button
            small
            disabled={!list?.length}
            onClick={() =>
              void act(async () => {
                const path = await api.savedExport(exportIds);
                if (path) setNote(t("saved.exported", { path }));
              })
            }
            dataTest="saved-export"
          >
            {exportIds.length ? t("saved.exportSelected", { n: formatCount(exportIds.length, lang) }) : t("saved.exportAll")}
          </Button>
        </ButtonStrip>
      </div>
      <p className="small m0" role="status" aria-live="polite" data-test="saved-note">
        {note}
      </p>
      {error && <ErrorNotice error={error} />}
      {list === null && !error && <p className="muted">{t("common.loading")}</p>}
      {list?.length === 0 && <p className="muted" data-test="saved-empty">{t("saved.empty")}</p>}
      {list && list.length > 0 && shown.length === 0 && <p className="muted">{t("saved.noMatch", { text })}</p>}
      {shown.length > 0 && (
        <SavedList
          list={shown}
          selected={selected}
          onSelect={(id, on) =>
            setSelected((s) => {
              const n = new Set(s);
              if (on) n.add(id);
              else n.delete(id);
              return n;
            })
          }
          actions={{
            open: (s) => (s.question.kind === "analytics" ? openQuery(s.question.query) : openPath(requestPath(s.question.path, s.question.query))),
            runOn: (s) => s.question.kind === "analytics" && setPanel({ kind: "runOn", saved: s, query: s.question.query }),
            compare: (s) => s.question.kind === "analytics" && setPanel({ kind: "compare", saved: s, query: s.question.query }),
            rename: setRenaming,
            remove: setDeleting,
          }}
        />
      )}
      {panel?.kind === "runOn" && (
        <RunOnPanel key={panel.saved.id} saved={panel.saved} query={panel.query} instances={instances} initial={other} onClose={() => setPanel(null)} />
      )}
      {panel?.kind === "compare" && (
        <ComparePanel
          key={panel.saved.id}
          saved={panel.saved}
          query={panel.query}
          instances={instances}
          left={active?.id ?? instances[0]?.id ?? ""}
          right={other}
          onClose={() => setPanel(null)}
        />
      )}
      {renaming && (
        <NameDialog
          title={t("saved.renameTitle", { name: renaming.name })}
          initialName={renaming.name}
          make={(name) => ({ ...renaming, name })}
          onClose={() => setRenaming(null)}
          onSaved={(s) => {
            setRenaming(null);
            setNote(t("saved.renamed", { name: s.name }));
            void load();
          }}
        />
      )}
      {deleting && (
        <Modal small onClose={() => setDeleting(null)} dataTest="delete-dialog">
          <ModalTitle>{t("saved.deleteTitle", { name: deleting.name })}</ModalTitle>
          <ModalContent>{t("saved.deleteBody")}</ModalContent>
          <ModalActions>
            <ButtonStrip end>
              <Button secondary onClick={() => setDeleting(null)}>
                {t("common.cancel")}
              </Button>
              <Button
                destructive
                onClick={() =>
                  void act(async () => {
                    const d = deleting;
                    setDeleting(null);
                    setList(await api.savedDelete(d.id));
                    setNote(t("saved.deleted", { name: d.name }));
                  })
                }
                dataTest="delete-confirm"
              >
                {t("saved.delete")}
              </Button>
            </ButtonStrip>
          </ModalActions>
        </Modal>
      )}
    </section>
  );
}
