// The plain page's script: the runtime straight from its static file, as a browser loads
// any ES module, with no bundler and no React. Served beside the runtime under /static/,
// so the relative import finds it whatever STATIC_URL is.
import { createClient } from "../mizan/client.js";

const client = createClient({ baseUrl: "/api/mizan" });
const status = document.querySelector("[data-testid=plain-status]");
const listEl = document.querySelector("[data-testid=plain-lists]");
const add = document.querySelector("[data-testid=plain-add]");
const lists = client.context("lists", {}, ["my_lists"]);
let first = null;

function show(state) {
  if (state.status === "error") {
    status.textContent = state.error.code;
    return;
  }
  if (state.status !== "ready") return;
  const items = state.data.my_lists;
  first = items.length ? items[0] : null;
  listEl.replaceChildren(...items.map((item) => {
    const li = document.createElement("li");
    li.dataset.testid = "plain-list";
    li.dataset.listId = String(item.id);
    li.textContent = item.name;
    return li;
  }));
  add.disabled = first === null;
  status.textContent = "ready";
}

lists.subscribe(show);
show(lists.get());
add.addEventListener("click", async () => {
  if (first === null) return;
  try {
    await client.call("add_task", { list_id: first.id, title: "from plain page" });
    status.textContent = "ready";
  } catch (error) {
    status.textContent = error.code || "NETWORK_ERROR";
  }
});
