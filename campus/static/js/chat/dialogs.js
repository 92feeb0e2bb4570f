/* Campus chat page: the dialogs — a new private chat, a new group, and the open chat's members
 * (presence, roles, rename, add, remove, leave). */

import { $, debounce, el } from "./dom.js";

export function createDialogs({ store, sync, api, t, times, conversation, chatList, canModerate = false }) {
  const privateDialog = $("private-dialog");
  const groupDialog = $("group-dialog");
  const membersDialog = $("members-dialog");
  const chosen = new Map();   // the new group's members: user id → user

  function showError(box, error) {
    box.textContent = t("action_failed", { message: error.message });
  }

  /** A user search box whose results call `onPick(user)`. */
  function userSearch(input, results, errorBox, onPick) {
    let latest = 0;
    const run = debounce(async () => {
      const query = input.value.trim();
      const ticket = ++latest;
      if (!query) { results.replaceChildren(); return; }
      try {
        const data = await api.request("GET", "/users?q=" + encodeURIComponent(query));
        if (ticket !== latest) return;
        errorBox.textContent = "";
        data.items.forEach((user) => store.rememberUser(user));
        const found = data.items.filter((user) => user.id !== store.me);
        results.replaceChildren(...(found.length ? found.map((user) => el("li", {},
          el("button", { type: "button", className: "user-result", dataset: { userId: String(user.id) }, onclick: () => onPick(user) },
            store.userName(user.id)))) : [el("li", { className: "muted" }, t("no_users_found"))]));
      } catch (error) {
        if (ticket === latest) errorBox.textContent = t("search_failed");
      }
    }, 250);
    input.addEventListener("input", run);
  }

  /** POST /chats from a dialog; the new (or existing private) chat opens. */
  async function startChat(body, dialog, errorBox) {
    try {
      const chat = store.applyChat(await api.request("POST", "/chats", body));
      dialog.close();
      chatList.render();
      conversation.open(chat.id);
    } catch (error) {
      showError(errorBox, error);
    }
  }

  /* ---------- a new private chat ---------- */

  $("new-private-button").addEventListener("click", () => {
    $("private-search").value = "";
    $("private-results").replaceChildren();
    $("private-error").textContent = "";
    privateDialog.showModal();
  });
  userSearch($("private-search"), $("private-results"), $("private-error"), (user) =>
    startChat({ type: "private", user_id: user.id }, privateDialog, $("private-error")));

  /* ---------- a new group ---------- */

  function renderChosen() {
    $("group-chosen").replaceChildren(...Array.from(chosen.values()).map((user) => el("li", {},
      el("span", {}, store.userName(user.id)), " ",
      el("button", { type: "button", className: "link-button", "aria-label": t("remove_member", { name: store.userName(user.id) }),
        onclick: () => { chosen.delete(user.id); renderChosen(); } }, "×"))));
  }
  $("new-group-button").addEventListener("click", () => {
    chosen.clear();
    renderChosen();
    $("group-title").value = "";
    $("group-search").value = "";
    $("group-results").replaceChildren();
    $("group-error").textContent = "";
    groupDialog.showModal();
  });
  userSearch($("group-search"), $("group-results"), $("group-error"), (user) => {
    chosen.set(user.id, user);
    renderChosen();
    $("group-search").focus();
  });
  $("group-create").addEventListener("click", () => {
    const title = $("group-title").value.trim();
    if (!title) { $("group-error").textContent = t("group_needs_title"); $("group-title").focus(); return; }
    startChat({ type: "group", title, member_ids: Array.from(chosen.keys()) }, groupDialog, $("group-error"));
  });

  /* ---------- members of the open chat ---------- */

  function renderMembers() {
    const chat = store.chats.get(store.openChatId);
    if (!chat) { membersDialog.close(); return; }
    const roleLabel = { owner: t("role_owner"), admin: t("role_admin"), member: t("role_member") };
    const manage = store.canManage(chat);
    // Campus chats follow the directory: nobody renames them or adds members by hand.
    const campusChat = chat.kind === "major" || chat.kind === "cohort";
    // Moderators remove anyone, owners included, from user-created groups (docs/protocol.md#moderation).
    const moderates = canModerate && chat.type === "group" && !campusChat;
    $("member-list").replaceChildren(...chat.members.map((member) => {
      const state = store.presence.get(member.user_id) || {};
      const online = member.user_id === store.me || state.online;
      const lastSeen = times.parse(state.last_seen);
      return el("li", { dataset: { userId: String(member.user_id) } },
        el("span", { className: "presence-dot" + (online ? " online" : ""), role: "img", "aria-label": online ? t("online") : t("offline") }),
        el("span", { className: "member-name" }, store.userName(member.user_id)),
        chat.type === "group" ? el("span", { className: "member-role" }, roleLabel[member.role] || member.role) : null,
        !online && lastSeen ? el("span", { className: "muted" }, t("last_seen", { time: times.short(lastSeen) })) : null,
        (moderates || (manage && member.role !== "owner")) && member.user_id !== store.me ? el("button", {
          type: "button", className: "link-button", onclick: () => removeMember(chat, member.user_id),
        }, t("remove_member", { name: store.userName(member.user_id) })) : null);
    }));
    $("rename-area").hidden = !manage || campusChat;
    $("add-member-area").hidden = !manage || campusChat;
    $("leave-button").hidden = chat.type !== "group";
    $("leave-confirm").hidden = true;
  }

  async function removeMember(chat, userId) {
    try {
      await api.request("DELETE", "/chats/" + chat.id + "/members/" + userId);
      chat.members = chat.members.filter((member) => member.user_id !== userId);
      renderMembers();
      conversation.renderHead();
    } catch (error) {
      showError($("members-error"), error);
    }
  }

  $("members-button").addEventListener("click", () => {
    const chat = store.chats.get(store.openChatId);
    if (!chat) return;
    $("members-error").textContent = "";
    $("rename-input").value = chat.title;
    $("add-member-search").value = "";
    $("add-member-results").replaceChildren();
    renderMembers();
    membersDialog.showModal();
  });
  $("rename-button").addEventListener("click", async () => {
    const chat = store.chats.get(store.openChatId);
    const title = $("rename-input").value.trim();
    if (!chat || !title) { $("members-error").textContent = t("group_needs_title"); return; }
    try {
      store.applyChat(await api.request("PATCH", "/chats/" + chat.id, { title }));
      chatList.render();
      conversation.renderHead();
      $("members-error").textContent = "";
    } catch (error) {
      showError($("members-error"), error);
    }
  });
  userSearch($("add-member-search"), $("add-member-results"), $("members-error"), async (user) => {
    const chat = store.chats.get(store.openChatId);
    if (!chat) return;
    try {
      await api.request("POST", "/chats/" + chat.id + "/members", { user_id: user.id });
      store.applyChat(await api.request("GET", "/chats/" + chat.id));
      renderMembers();
      conversation.renderHead();
      $("add-member-search").value = "";
      $("add-member-results").replaceChildren();
    } catch (error) {
      showError($("members-error"), error);
    }
  });
  $("leave-button").addEventListener("click", () => {
    $("leave-button").hidden = true;
    $("leave-confirm").hidden = false;
    $("leave-confirm").focus();
  });
  $("leave-confirm").addEventListener("click", async () => {
    const chat = store.chats.get(store.openChatId);
    if (!chat) return;
    try {
      await api.request("DELETE", "/chats/" + chat.id + "/members/" + store.me);
      membersDialog.close();
      sync.removeChat(chat.id, false);
    } catch (error) {
      showError($("members-error"), error);
    }
  });

  return {
    /** Redraw the member list if it is open on `chat` (or on the open chat, without one). */
    refreshMembers(chat) {
      if (membersDialog.open && (!chat || chat.id === store.openChatId)) renderMembers();
    },
  };
}
