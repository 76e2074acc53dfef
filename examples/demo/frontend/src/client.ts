// The page's Mizan client, shared through React context. The server render has none.
import { createContext, useContext } from "react";
import type { MizanClient } from "mizan-client";

export const ClientContext = createContext<MizanClient | null>(null);

export function useClient(): MizanClient | null {
  return useContext(ClientContext);
}
