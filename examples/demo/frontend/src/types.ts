// The page's own props. The API's types come from api.ts, which `make demo-assets`
// generates from the demo's IR (`manage.py export_mizan_ir` + `python -m mizan.codegen`).
import type { BoardSummaryOutput, ListOut, TaskOut } from "./api";

/** The props the server renders `Board` with: the `board` and `lists` bundles' members
 * (from `context_props`; absent when a context failed) and the page's own values. */
export interface BoardProps {
  list_id: number;
  username: string;
  my_lists?: ListOut[];
  board_tasks?: TaskOut[];
  board_summary?: BoardSummaryOutput;
}
