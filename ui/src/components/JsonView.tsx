import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";
import { createJSONEditor, Mode, type Content, type JsonEditor, type MenuItem } from "vanilla-jsoneditor";
import { withoutModeButtons } from "../json/menu";

export type ViewMode = "tree" | "table" | "text";
export type JsonViewHandle = { expandAll: () => void; collapseAll: () => void };

const MODES: Record<ViewMode, Mode> = { tree: Mode.tree, table: Mode.table, text: Mode.text };

/** Read-only vanilla-jsoneditor (virtualised tree/table/text, with its own search: Ctrl+F). */
export const JsonView = forwardRef<JsonViewHandle, { content: Content; mode: ViewMode; label: string; dark: boolean; onModeChange?: (m: ViewMode) => void }>(
  function JsonView({ content, mode, label, dark, onModeChange }, ref) {
    const modeCb = useRef(onModeChange);
    modeCb.current = onModeChange;
    const host = useRef<HTMLDivElement>(null);
    const editor = useRef<JsonEditor | null>(null);

    useEffect(() => {
      if (!host.current) return;
      editor.current = createJSONEditor({
        target: host.current,
        props: { content, mode: MODES[mode], readOnly: true, mainMenuBar: true, navigationBar: true, statusBar: true, askToFormat: false,
          onRenderMenu: (items: MenuItem[]) => withoutModeButtons(items),
          onChangeMode: (m: Mode) => modeCb.current?.(m as unknown as ViewMode) },
      });
      return () => {
        void editor.current?.destroy();
        editor.current = null;
      };
      // eslint-disable-next-line react-hooks/exhaustive-deps
    }, []);

    useEffect(() => {
      void editor.current?.updateProps({ content });
    }, [content]);
    useEffect(() => {
      void editor.current?.updateProps({ mode: MODES[mode] });
    }, [mode]);

    useImperativeHandle(ref, () => ({
      expandAll: () => void editor.current?.expand([], () => true),
      collapseAll: () => void editor.current?.collapse([], true),
    }));

    return <div ref={host} className={dark ? "json-view jse-theme-dark" : "json-view"} role="region" aria-label={label} data-test="json-view" />;
  },
);
