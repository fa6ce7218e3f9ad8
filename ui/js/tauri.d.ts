// The parts of Tauri's global API (`withGlobalTauri`) that api.js uses, and nothing more: the
// rest of the UI must reach Rust through api.js, never through window.__TAURI__.
// A script (no import/export), so these declarations are global.

interface TauriChannel<T> {
  /** Called with each message Rust sends on the channel. */
  onmessage: (message: T) => void;
}

interface TauriEvent<T> {
  event: string;
  id: number;
  payload: T;
}

interface TauriGlobal {
  core: {
    invoke(cmd: string, args?: Record<string, unknown>): Promise<unknown>;
    Channel: new <T = unknown>() => TauriChannel<T>;
  };
  event: {
    listen<T = unknown>(event: string, handler: (event: TauriEvent<T>) => void): Promise<() => void>;
  };
}

interface Window {
  /** Present inside the console's window; absent in a plain browser. */
  __TAURI__?: TauriGlobal;
}
