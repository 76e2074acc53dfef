// The board page's browser entry: one Mizan client with the WebSocket open (chat, and
// pushed invalidation that keeps a user's tabs in sync), then hydration of the HTML the
// SSR worker rendered, with the very props it rendered (window.__MIZAN_SSR_DATA__).
import { hydrateRoot } from "react-dom/client";
import { createClient } from "mizan-client";

import Board from "./Board";
import { ClientContext } from "./client";
import type { BoardProps } from "./types";

const props = (globalThis.__MIZAN_SSR_DATA__ ?? {}) as unknown as BoardProps;
const client = createClient({ baseUrl: "/api/mizan", websocket: true, ssrData: globalThis.__MIZAN_SSR_DATA__ ?? null });
const root = document.getElementById("mizan-root");
if (root) {
  hydrateRoot(
    root,
    <ClientContext.Provider value={client}>
      <Board {...props} />
    </ClientContext.Provider>,
  );
}
