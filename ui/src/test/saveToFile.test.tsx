import { describe, expect, it, vi } from "vitest";
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { emit } from "@tauri-apps/api/event";
import { encodeBrowseResponse } from "../api";
import type { BrowseMeta } from "../bindings";
import { DEFAULT_VIEW_LIMIT_MB, getViewLimitMb, parseViewLimitMb, setViewLimitMb, VIEW_LIMIT_KEY } from "../settings/viewLimit";
import { renderApp } from "./helpers";

// The real JSON viewer needs layout APIs jsdom lacks (see browse.test.tsx).
vi.mock("../components/JsonView", async () => {
  const { forwardRef } = await import("react");
  return {
    JsonView: forwardRef(function JsonView(props: { content: { json?: unknown; text?: string }; mode: string }, _ref) {
      return <pre data-test="json-view">{props.content.text ?? JSON.stringify(props.content.json)}</pre>;
    }),
  };
});

const meta: BrowseMeta = { status: 200, headers: [], elapsedMs: 5, sizeBytes: 10, contentType: "application/json", url: "https://x/api" };
const frame = (body: unknown) => encodeBrowseResponse(meta, JSON.stringify(body));
const TOO_LARGE = {
  kind: "too_large",
  message: "This answer (312 MB) is larger than the 200 MB the app opens (Settings). Save it to a file instead, or raise the limit in Settings.",
};
const MB = 1024 * 1024;

type User = ReturnType<typeof userEvent.setup>;

/** Asks for every organisation unit at once (fields=id,name, paging=false). */
async function askAllOrgUnits(user: User) {
  await user.click(await screen.findByRole("button", { name: "Browse" }));
  const input = await screen.findByLabelText("API path");
  await user.clear(input);
  await user.type(input, "/api/organisationUnits");
  await user.click(screen.getByText("Query options"));
  await user.type(screen.getByLabelText("Fields"), "id,name");
  await user.click(screen.getByLabelText("Split into pages"));
  await user.click(screen.getByRole("button", { name: "Get" }));
}

describe("Largest answer to open (setting)", () => {
  it("is 200 MB by default, keeps a valid value and rejects bad input without losing the last good one", () => {
    expect(getViewLimitMb()).toBe(DEFAULT_VIEW_LIMIT_MB);
    expect(DEFAULT_VIEW_LIMIT_MB).toBe(200);
    expect(setViewLimitMb("512")).toBe(512);
    expect(localStorage.getItem(VIEW_LIMIT_KEY)).toBe("512");
    for (const bad of ["", "0", "4097", "1.5", "-3", "abc", "12abc", " "]) {
      expect(parseViewLimitMb(bad), bad).toBeNull();
      expect(setViewLimitMb(bad), bad).toBeNull();
      expect(getViewLimitMb(), bad).toBe(512);
    }
    expect(setViewLimitMb(1)).toBe(1);
    expect(setViewLimitMb(" 4096 ")).toBe(4096);
    expect(getViewLimitMb()).toBe(4096);
    // Something unreadable in storage (edited by hand) falls back to the default.
    localStorage.setItem(VIEW_LIMIT_KEY, "lots");
    expect(getViewLimitMb()).toBe(200);
  });

  it("Settings shows the field with its help, saves a valid number and explains a bad one", async () => {
    const user = userEvent.setup();
    renderApp(() => undefined);
    await user.click(await screen.findByRole("button", { name: "Settings" }));
    const field = await screen.findByLabelText("Largest answer to open (MB)");
    expect(field).toHaveValue(200);
    expect(screen.getByText(/Larger answers are not opened in the app: it offers to save them to a file instead/)).toBeInTheDocument();
    await user.clear(field);
    await user.type(field, "500");
    expect(localStorage.getItem(VIEW_LIMIT_KEY)).toBe("500");
    expect(screen.queryByText(/Enter a whole number/)).not.toBeInTheDocument();

    await user.type(field, "0"); // 5000: above 4096
    expect(await screen.findByText("Enter a whole number from 1 to 4096. The app keeps using 500 MB.")).toBeInTheDocument();
    expect(localStorage.getItem(VIEW_LIMIT_KEY)).toBe("500");
    await user.clear(field);
    expect(screen.getByText("Enter a whole number from 1 to 4096. The app keeps using 500 MB.")).toBeInTheDocument();
    expect(getViewLimitMb()).toBe(500);

    await user.type(field, "64");
    await waitFor(() => expect(screen.queryByText(/Enter a whole number/)).not.toBeInTheDocument());
    expect(getViewLimitMb()).toBe(64);
  });

  it("is in every language", async () => {
    const { translate } = await import("../i18n");
    expect(translate("fr", "settings.viewLimit")).toBe("Plus grande réponse à ouvrir (Mo)");
    expect(translate("es", "download.saved", { size: "1.0 MB", path: "/x" })).toBe("Se guardaron 1.0 MB en /x");
    expect(translate("pt", "download.save")).toBe("Guardar num ficheiro");
  });
});

describe("browse requests carry the view limit", () => {
  it("browse_get and get-all send viewLimitMb from the setting (200 by default)", async () => {
    const user = userEvent.setup();
    const list = { pager: { page: 1, pageCount: 2, total: 4, pageSize: 2 }, dataElements: [{ id: "a1", name: "A" }, { id: "b2", name: "B" }] };
    const { calls } = renderApp((cmd) => {
      if (cmd === "browse_get") return frame(list);
      if (cmd === "browse_get_all") return frame({ ...list, pager: { page: 1, pageCount: 1, total: 2, pageSize: 2 } });
    });
    await user.click(await screen.findByRole("button", { name: "Browse" }));
    await user.click(await screen.findByRole("button", { name: "Get" }));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "browse_get")).toHaveLength(1));
    expect(calls.find((c) => c.cmd === "browse_get")!.args.request.viewLimitMb).toBe(200);

    setViewLimitMb(64);
    const input = screen.getByLabelText("API path");
    await user.clear(input);
    await user.type(input, "/api/dataElements");
    await user.click(screen.getByRole("button", { name: "Get" }));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "browse_get")).toHaveLength(2));
    expect(calls.filter((c) => c.cmd === "browse_get")[1]!.args.request).toMatchObject({ path: "/api/dataElements", viewLimitMb: 64 });

    setViewLimitMb(80);
    await user.click(await screen.findByRole("button", { name: "Get all pages" }, { timeout: 5000 }));
    const all = await waitFor(() => calls.find((c) => c.cmd === "browse_get_all")!);
    expect(all.args.request).toMatchObject({ path: "/api/dataElements", viewLimitMb: 80 });
  });
});

describe("Save to file (an answer too large to open)", () => {
  it("offers Save to file, downloads the same request with progress, then says where it went", async () => {
    const user = userEvent.setup();
    setViewLimitMb(150);
    let finish: (v: unknown) => void = () => undefined;
    const { calls } = renderApp((cmd) => {
      if (cmd === "browse_get") throw TOO_LARGE;
      if (cmd === "browse_download") return new Promise((r) => (finish = r));
    });
    await askAllOrgUnits(user);
    const notice = await screen.findByTestId("error-notice");
    expect(notice).toHaveTextContent("This answer is too large to open in the app.");
    expect(notice).toHaveTextContent("raise “Largest answer to open” in Settings");
    const get = calls.find((c) => c.cmd === "browse_get")!.args.request;
    expect(get).toMatchObject({ path: "/api/organisationUnits", query: [["fields", "id,name"], ["paging", "false"]], viewLimitMb: 150 });

    const save = screen.getByTestId("save-to-file");
    expect(save).toHaveTextContent("Save to file");
    await user.click(save);
    const call = await waitFor(() => calls.find((c) => c.cmd === "browse_download")!);
    const request = call.args.request;
    expect(request).toMatchObject({ instanceId: "a", path: "/api/organisationUnits", query: [["fields", "id,name"], ["paging", "false"]], viewLimitMb: 150 });
    expect(request.requestId).toEqual(expect.any(String));
    expect(request.requestId).not.toBe(get.requestId);
    expect(screen.queryByTestId("save-to-file")).not.toBeInTheDocument();
    expect(await screen.findByTestId("download-progress")).toHaveTextContent("Saving to a file…");

    // Progress of another request is not this download's.
    await act(() => emit("browse-progress", { requestId: "someone-else", bytes: 99 * MB, total: 100 * MB }));
    await act(() => emit("browse-progress", { requestId: request.requestId, bytes: 12 * MB, total: 57.2 * MB }));
    expect(await screen.findByTestId("download-progress")).toHaveTextContent("Saving to file… 12.0 MB of 57.2 MB");
    await act(() => emit("browse-progress", { requestId: request.requestId, bytes: 3 * 1024, total: null }));
    expect(await screen.findByTestId("download-progress")).toHaveTextContent("Saving to file… 3.0 KB");

    await act(async () => finish({ path: "/home/me/organisationUnits.json", bytes: Math.round(57.2 * MB) }));
    const note = await screen.findByTestId("download-note");
    expect(note).toHaveTextContent("Saved 57.2 MB to /home/me/organisationUnits.json");
    expect(note).toHaveAttribute("role", "status");
    expect(screen.queryByTestId("download-progress")).not.toBeInTheDocument();
    expect(calls.some((c) => c.cmd === "browse_cancel")).toBe(false);
    // Saved: the "too large to open" notice has done its job and goes.
    expect(screen.queryByText("This answer is too large to open in the app.")).not.toBeInTheDocument();
  });

  it("Cancel calls browse_cancel with the download's id and says nothing was saved", async () => {
    const user = userEvent.setup();
    let reject: (e: unknown) => void = () => undefined;
    const { calls } = renderApp((cmd) => {
      if (cmd === "browse_get") throw TOO_LARGE;
      if (cmd === "browse_download") return new Promise((_, r) => (reject = r));
      if (cmd === "browse_cancel") {
        reject({ kind: "cancelled", message: "cancelled" });
        return null;
      }
    });
    await askAllOrgUnits(user);
    await user.click(await screen.findByTestId("save-to-file"));
    const requestId = (await waitFor(() => calls.find((c) => c.cmd === "browse_download")!)).args.request.requestId;
    const progress = await screen.findByTestId("download-progress");
    await user.click(within(progress).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(calls.find((c) => c.cmd === "browse_cancel")?.args).toEqual({ requestId }));
    expect(await screen.findByTestId("download-cancelled")).toHaveTextContent("Nothing was saved.");
    expect(screen.queryByTestId("download-progress")).not.toBeInTheDocument();
    expect(screen.queryByTestId("download-note")).not.toBeInTheDocument();
    // It can be tried again.
    expect(screen.getByTestId("save-to-file")).toBeInTheDocument();
  });

  it("a closed save dialog shows nothing; another failure shows the usual error", async () => {
    const user = userEvent.setup();
    let answer: () => unknown = () => null;
    renderApp((cmd) => {
      if (cmd === "browse_get") throw TOO_LARGE;
      if (cmd === "browse_download") return answer();
    });
    await askAllOrgUnits(user);
    await user.click(await screen.findByTestId("save-to-file"));
    expect(await screen.findByTestId("save-to-file")).toBeInTheDocument();
    expect(screen.queryByTestId("download-progress")).not.toBeInTheDocument();
    expect(screen.queryByTestId("download-note")).not.toBeInTheDocument();
    expect(screen.queryByTestId("download-cancelled")).not.toBeInTheDocument();
    expect(screen.getAllByTestId("error-notice")).toHaveLength(1);

    answer = () => {
      throw { kind: "disk_full", message: "No space left on device" };
    };
    await user.click(screen.getByTestId("save-to-file"));
    await waitFor(() => expect(screen.getAllByTestId("error-notice")).toHaveLength(2));
    expect(screen.getAllByTestId("error-notice")[1]).toHaveTextContent("The disk is full, so the file could not be saved.");
    expect(screen.queryByTestId("download-note")).not.toBeInTheDocument();
  });

  it("other errors do not offer Save to file", async () => {
    const user = userEvent.setup();
    renderApp((cmd) => {
      if (cmd === "browse_get") throw { kind: "timeout", message: "slow" };
    });
    await askAllOrgUnits(user);
    expect(await screen.findByTestId("error-notice")).toHaveTextContent("The server took too long to answer.");
    expect(screen.queryByTestId("save-to-file")).not.toBeInTheDocument();
  });
});
