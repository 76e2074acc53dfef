// The shapes of the demo's server functions (demo_app/clients.py), as the server writes
// them: TaskOut, AttachmentOut, ListOut, Summary, ChatMessage.

export interface AttachmentOut {
  id: number;
  name: string;
  size: number;
}

export interface TaskOut {
  id: number;
  title: string;
  done: boolean;
  attachments: AttachmentOut[];
}

export interface ListOut {
  id: number;
  name: string;
}

export interface Summary {
  list_id: number;
  name: string;
  open: number;
  done: number;
}

export interface ChatMessage {
  user: string;
  text: string;
}

/** The `board` context bundle (`GET /ctx/board/?list_id=...`). */
export interface BoardBundle extends Record<string, unknown> {
  board_tasks: TaskOut[];
  board_summary: Summary;
}

/** The `lists` context bundle. */
export interface ListsBundle extends Record<string, unknown> {
  my_lists: ListOut[];
}

/** `task_form.validate` and `task_form.submit` answers (the form wire, FORM-3). */
export interface FormValidation {
  valid: boolean;
  errors: Record<string, string[]>;
  non_field_errors: string[];
}

export type FormSubmit<T> =
  | { success: true; data: T }
  | { success: false; errors: Record<string, string[]>; non_field_errors: string[] };

/** The props the server renders `Board` with: the two bundles' members (from
 * `context_props`, absent when a context failed) and the page's own values. */
export interface BoardProps {
  list_id: number;
  username: string;
  my_lists?: ListOut[];
  board_tasks?: TaskOut[];
  board_summary?: Summary;
}
