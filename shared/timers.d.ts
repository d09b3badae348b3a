// Timers exist in every runtime shared/ code runs in (browsers, Node, Electron), but belong to neither the ES lib
// nor a runtime-specific lib; declared here so shared/ stays free of DOM and Node types.
declare function setTimeout(handler: () => void, timeout?: number): unknown;
declare function clearTimeout(handle: unknown): void;
