import { describe, expect, it } from "vitest";
import { mockIPC } from "@tauri-apps/api/mocks";
import * as api from "../api";
import type { BrowseMeta } from "../bindings";

const meta: BrowseMeta = {
  status: 200,
  headers: [["content-type", "application/json"]],
  elapsedMs: 12,
  sizeBytes: 11,
  contentType: "application/json",
  url: "https://x/api/me",
};

describe("browse_get payload", () => {
  it("decodes the body followed by the meta and its length", () => {
    const buf = api.encodeBrowseResponse(meta, '{"a":"é"}');
    const view = new DataView(buf);
    const n = view.getUint32(buf.byteLength - 4, false);
    expect(n).toBe(new TextEncoder().encode(JSON.stringify(meta)).byteLength);
    const { meta: m, body } = api.decodeBrowseResponse(buf);
    expect(m).toEqual(meta);
    expect(new TextDecoder().decode(body)).toBe('{"a":"é"}');
  });
  it("accepts a Uint8Array view with an offset and a plain number array", () => {
    const buf = new Uint8Array(api.encodeBrowseResponse(meta, "xyz"));
    const padded = new Uint8Array(buf.byteLength + 3);
    padded.set(buf, 3);
    expect(new TextDecoder().decode(api.decodeBrowseResponse(padded.subarray(3)).body)).toBe("xyz");
    expect(new TextDecoder().decode(api.decodeBrowseResponse(Array.from(buf)).body)).toBe("xyz");
  });
  it("rejects a truncated payload", () => {
    expect(() => api.decodeBrowseResponse(new Uint8Array([1, 0, 1, 0, 0]))).toThrow();
    expect(() => api.decodeBrowseResponse(new Uint8Array([0, 1]))).toThrow();
  });
  it("browseGet invokes browse_get with { request }", async () => {
    let seen: unknown;
    mockIPC((cmd, args) => {
      seen = { cmd, args };
      return api.encodeBrowseResponse(meta, "{}");
    });
    const req = { requestId: "r1", instanceId: "a", path: "/api/me", query: [["fields", "id"]] as [string, string][] };
    const res = await api.browseGet(req);
    expect(seen).toEqual({ cmd: "browse_get", args: { request: req } });
    expect(res.meta.status).toBe(200);
  });
});

describe("large answers waiting at a loopback address (meta.bodyUrl)", () => {
  const big = { ...meta, sizeBytes: 5, bodyUrl: "http://127.0.0.1:9/answer/tok" };
  const req = { requestId: "r2", instanceId: "a", path: "/api/organisationUnits", query: [] as [string, string][] };

  it("reads the body with fetch from that address, not through the IPC", async () => {
    const cmds: string[] = [];
    mockIPC((cmd) => {
      cmds.push(cmd);
      return api.encodeBrowseResponse(big, "");
    });
    const fetched: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (url: string) => {
      fetched.push(url);
      return new Response(new TextEncoder().encode("[1,2]"), { status: 200 });
    }) as typeof fetch;
    try {
      const res = await api.browseGet(req);
      expect(new TextDecoder().decode(res.body)).toBe("[1,2]");
      expect(res.meta.sizeBytes).toBe(5);
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(fetched).toEqual([big.bodyUrl]);
    expect(cmds).toEqual(["browse_get"]);
  });

  it("falls back to browse_take when the address cannot be reached", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return cmd === "browse_get_all" ? api.encodeBrowseResponse(big, "") : new TextEncoder().encode("[3]").buffer;
    });
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async () => {
      throw new TypeError("Load failed");
    }) as typeof fetch;
    try {
      const res = await api.browseGetAll(req);
      expect(new TextDecoder().decode(res.body)).toBe("[3]");
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(calls.map((c) => c[0])).toEqual(["browse_get_all", "browse_take"]);
    expect(calls[1][1]).toEqual({ bodyUrl: big.bodyUrl });
  });
});

describe("command wrappers", () => {
  it("pass the contract's argument names", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return null;
    });
    await api.instancesEdit("x", {} as never);
    await api.sessionSignIn("x", true);
    await api.sessionSignIn("x", false, true);
    await api.sessionForgetDevice("x");
    await api.browsePin("x", "e1", true);
    await api.browseSave("me.json", "{}");
    await api.instancesImportCli(null);
    expect(calls).toEqual([
      ["instances_edit", { id: "x", input: {} }],
      ["session_sign_in", { instanceId: "x", differentUser: true, keepSignedIn: false }],
      ["session_sign_in", { instanceId: "x", differentUser: false, keepSignedIn: true }],
      ["session_forget_device", { instanceId: "x" }],
      ["browse_pin", { instanceId: "x", entryId: "e1", pinned: true }],
      ["browse_save", { suggestedName: "me.json", contents: "{}" }],
      ["instances_import_cli", { path: null }],
    ]);
  });
  it("turn rejections into AppError", async () => {
    mockIPC(() => {
      throw { kind: "tls", message: "bad cert" };
    });
    await expect(api.instancesProbe("x")).rejects.toEqual({ kind: "tls", message: "bad cert" });
    mockIPC(() => {
      throw "boom";
    });
    await expect(api.appAbout()).rejects.toEqual({ kind: "internal", message: "boom" });
  });
});
