import { useEffect, useState, type Dispatch } from "react";
import * as api from "../../api";
import type { AnalyticsQuery, AppError } from "../../bindings";
import { orgUnitItem } from "../../analytics/items";
import { loadChildren, loadRoots, type GetJson, type OrgUnitNode } from "../../analytics/orgunits";
import { hasItem, type Action } from "../../analytics/query";
import { useI18n } from "../../i18n";

type Branch = { status: "loading" } | { status: "done"; nodes: OrgUnitNode[] } | { status: "error"; error: AppError };

/** The tree starts at the user's own org units; a branch's children are read only when it is opened. */
export function OrgUnitTree({ get, query, dispatch }: { get: GetJson; query: AnalyticsQuery; dispatch: Dispatch<Action> }) {
  const { t } = useI18n();
  const [roots, setRoots] = useState<Branch>({ status: "loading" });
  const [branches, setBranches] = useState<Record<string, Branch>>({});
  const [open, setOpen] = useState<Set<string>>(new Set());

  useEffect(() => {
    let dead = false;
    loadRoots(get).then(
      (nodes) => !dead && setRoots({ status: "done", nodes }),
      (e) => !dead && setRoots({ status: "error", error: api.toAppError(e) }),
    );
    return () => {
      dead = true;
    };
  }, [get]);

  function toggle(node: OrgUnitNode) {
    const next = new Set(open);
    if (next.has(node.id)) next.delete(node.id);
    else {
      next.add(node.id);
      const b = branches[node.id];
      if (!b || b.status === "error") {
        setBranches((s) => ({ ...s, [node.id]: { status: "loading" } }));
        loadChildren(get, node.id).then(
          (nodes) => setBranches((s) => ({ ...s, [node.id]: { status: "done", nodes } })),
          (e) => setBranches((s) => ({ ...s, [node.id]: { status: "error", error: api.toAppError(e) } })),
        );
      }
    }
    setOpen(next);
  }

  function renderNodes(nodes: OrgUnitNode[]) {
    return (
      <ul className="ou-tree plain" role="group">
        {nodes.map((n) => {
          const b = branches[n.id];
          const isOpen = open.has(n.id);
          const leaf = n.leaf === true || (b?.status === "done" && b.nodes.length === 0);
          return (
            <li key={n.id} className="ou-node" data-test="ou-node">
              <div className="ou-row">
                {leaf ? (
                  <span className="ou-toggle-space" aria-hidden="true" />
                ) : (
                  <button
                    type="button"
                    className="ou-toggle"
                    aria-expanded={isOpen}
                    aria-label={t(isOpen ? "ou.collapse" : "ou.expand", { name: n.name })}
                    onClick={() => toggle(n)}
                  >
                    <span aria-hidden="true">{isOpen ? "▾" : "▸"}</span>
                  </button>
                )}
                <label className="check-row">
                  <input type="checkbox" checked={hasItem(query, "ou", n.id)} onChange={() => dispatch({ type: "toggle", dim: "ou", item: orgUnitItem(n.id, n.name) })} />
                  {n.name}
                </label>
              </div>
              {isOpen && b?.status === "loading" && <p className="small muted ou-note">{t("common.loading")}</p>}
              {isOpen && b?.status === "error" && <p className="small state-warn ou-note">{b.error.message}</p>}
              {isOpen && b?.status === "done" && b.nodes.length > 0 && renderNodes(b.nodes)}
            </li>
          );
        })}
      </ul>
    );
  }

  if (roots.status === "loading") return <p className="small muted">{t("common.loading")}</p>;
  if (roots.status === "error") return <p className="small state-warn">{t("ou.treeFailed", { message: roots.error.message })}</p>;
  if (!roots.nodes.length) return <p className="small muted">{t("ou.noRoots")}</p>;
  return (
    <div className="ou-tree-box" aria-label={t("ou.tree")} role="region" data-test="ou-tree">
      {renderNodes(roots.nodes)}
    </div>
  );
}
