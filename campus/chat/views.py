"""The chat page: a shell that `static/js/chat/` (ES modules) fills over the JSON API and Socket.IO `/chat`."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, g, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from campus.chat import NAMESPACE
from campus.chat.unread import unread_total
from campus.core.pages import page_permission_required
from campus.extensions import db

bp = Blueprint("chat_views", __name__)


@bp.app_context_processor
def chat_unread():
    """`chat_unread()` for the layout: the signed-in user's unread total (0 for others), read
    only when a page's template asks."""

    def total() -> int:
        user = g.get("current_user")
        if user is None or not user.can("chat.use"):
            return 0
        try:
            return unread_total(user.id)
        except SQLAlchemyError:
            # An error page after a failed transaction still renders, without the count.
            db.session.rollback()
            return 0

    return {"chat_unread": total}


def page_strings() -> dict[str, str]:
    """Everything the page's JS shows, translated for the reader; `{name}`-style slots filled in JS."""
    return {
        "connecting": _("Connecting…"),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "online_status": _("Connected"),
        "signed_out": _("You are signed out."),
        "sign_in_again": _("Sign in again"),
        "no_chats": _("No chats yet. Start one with “New chat”."),
        "no_matches": _("No chats match your search."),
        "saved_messages": _("Saved messages"),
        "unknown_user": _("User {id}"),
        "you": _("You"),
        "online": _("online"),
        "offline": _("offline"),
        "last_seen": _("last seen {time}"),
        "members_count": _("Members: {count}"),
        "members_online": _("Members: {count}, online: {online}"),
        "typing_one": _("{name} is typing…"),
        "typing_many": _("{names} are typing…"),
        "pending": _("Sending…"),
        "sent": _("Sent"),
        "seen": _("Seen"),
        "failed": _("Not sent"),
        "retry": _("Retry"),
        "edited": _("edited"),
        "deleted": _("Message deleted"),
        "attachment": _("Attachment"),
        "load_failed": _("Could not load messages. Scroll up to try again."),
        "loading": _("Loading…"),
        "history_start": _("This is the beginning of the conversation."),
        "older_messages": _("Show older messages"),
        "unread": _("{count} unread"),
        "new_message_from": _("New message from {name}"),
        "no_users_found": _("Nobody found."),
        "search_failed": _("Search failed. Try again."),
        "action_failed": _("That did not work: {message}"),
        "left_chat": _("You are no longer a member of “{title}”."),
        "role_owner": _("owner"),
        "role_admin": _("admin"),
        "role_member": _("member"),
        "remove_member": _("Remove {name}"),
        "group_needs_title": _("Give the group a name."),
        "message_too_long": _("A message can be at most 4000 characters."),
        "notifications_blocked": _("Notifications are blocked in this browser."),
        "edit": _("Edit"),
        "delete": _("Delete"),
        "delete_confirm": _("Delete for everyone?"),
        "save": _("Save"),
        "cancel": _("Cancel"),
        "announcements_only": _("Only teachers and admins post in announcement chats."),
    }


def attachment_strings() -> dict[str, str]:
    """The page's words for attachments, uploads and recording (with `page_strings`)."""
    return {
        "photo": _("Photo"),
        "gif": _("GIF"),
        "voice_note": _("Voice note {duration}"),
        "video_note": _("Video note {duration}"),
        "audio": _("Audio {duration}"),
        "video": _("Video {duration}"),
        "file_named": _("File: {name}"),
        "size_b": _("{size} B"),
        "size_kb": _("{size} KB"),
        "size_mb": _("{size} MB"),
        "size_gb": _("{size} GB"),
        "open_image": _("Open the image {name}"),
        "download": _("Download"),
        "download_named": _("Download {name}"),
        "uploading": _("Uploading…"),
        "uploading_named": _("Uploading {name}"),
        "upload_failed": _("The upload failed. Check the connection and try again."),
        "upload_failed_because": _("Not sent: {message}"),
        "upload_cancelled": _("Upload cancelled."),
        "upload_too_large": _("The file is too large: at most {size} MB for this kind."),
        "upload_too_large_plain": _("The file is too large."),
        "remove": _("Remove"),
        "recording_voice": _("Recording a voice note"),
        "recording_video": _("Recording a video note"),
        "recording_busy": _("A recording is already running."),
        "recording_unsupported": _("This browser can't record here."),
        "recording_denied": _("Allow the microphone (and camera) for this site to record."),
        "recording_no_device": _("No microphone or camera was found."),
        "recording_cancelled": _("Recording cancelled."),
        "recording_empty": _("Nothing was recorded."),
    }


def search_strings() -> dict[str, str]:
    """The page's words for search in messages and moderation (with `page_strings`)."""
    return {
        "search_more": _("More results"),
        "search_results": _("Found: {count}"),
        "search_nothing": _("No messages found."),
        "search_too_far": _("That message is far back in the history: scroll up to it."),
        "deleted_by_moderator": _("Message deleted by a moderator"),
        "pin": _("Pin"),
        "unpin": _("Unpin"),
        "pinned_count": _("{index} of {count}"),
        "mute": _("Mute"),
        "mute_title": _("Mute {name}"),
        "mute_needs_reason": _("Give a reason: they will see it."),
        "muted_until": _("{name} may not write here until {time}."),
        "join": _("Join"),
        "join_named": _("Join {title}"),
        "leave": _("Leave"),
        "leave_named": _("Leave {title}"),
        "announcements": _("announcements"),
        "cohort": _("cohort"),
        "staff": _("Staff: {names}"),
    }


def conversation_strings() -> dict[str, str]:
    """The page's words for replies, mentions, reactions and system lines (docs/protocol.md#conversations)."""
    return {
        "reply": _("Reply"),
        "replying_to": _("Replying to {name}"),
        "cancel_reply": _("Cancel the reply"),
        "in_reply_to": _("In reply to"),
        "show_original": _("Show the message it answers"),
        "jump_failed": _("That message is too far back to show here."),
        "react": _("React"),
        "react_with": _("React with {emoji}"),
        "reactions": _("Reactions"),
        "reaction_label": _("{emoji} {count}: {names}"),
        "mentioned_you": _("{name} mentioned you"),
        "mute": _("Mute notifications"),
        "unmute": _("Unmute notifications"),
        "muted": _("Notifications muted"),
        "someone": _("Someone"),
        "new_messages": _("New messages"),
        "unread_word": _("unread"),
        "account_deactivated": _("Your account has been deactivated. Ask an administrator to restore it."),
        "seen_by": _("Seen by {count}"),
        "waiting_for_connection": _("waiting for the connection…"),
        "characters_left": _("{count} characters left"),
        "too_long_by": _("{count} characters too many"),
        "edit_hint": _("Enter saves, Shift+Enter starts a new line, Escape cancels."),
        "chat_not_found": _("That chat is not one of yours, or it is gone."),
        "system_member_added": _("{actor} added {user}"),
        "system_member_removed": _("{actor} removed {user}"),
        "system_member_left": _("{actor} left the group"),
        "system_renamed": _("{actor} renamed the group to “{title}”"),
    }


def upload_limits() -> dict[str, int]:
    """Bytes per kind, so the page refuses a file too large before sending it (the server checks)."""
    config = current_app.config
    return {kind: config[f"UPLOAD_MAX_{kind.upper()}_BYTES"] for kind in ("image", "audio", "video", "file")}


@bp.route("/chat")
@bp.route("/chat/<int:chat_id>", endpoint="chat_open")
@page_permission_required("chat.use")
def chat(chat_id: int | None = None):
    """The chat page, `/chat/<id>` with that chat open (the page opens it if the user is in it:
    nothing about a chat is in the page itself); the signed-in user's id and the translated
    strings go to its JS as JSON."""
    config = current_app.config
    user = g.current_user
    page_config = {
        "user": {"id": user.id, "first_name": user.first_name, "last_name": user.last_name},
        "api": "/api/v1",
        "page_url": url_for("chat_views.chat"),
        "open_chat": chat_id,
        "namespace": NAMESPACE,
        # Only decides whether an announcement chat shows a composer; the server checks each send.
        "can_post_announcements": user.can("chat.post_announcements"),
        # Likewise only which moderation buttons show (docs/protocol.md#moderation).
        "can_moderate": user.can("chat.moderate"),
        "can_join_campus": user.can("chat.join_campus"),
        # Whether the @ list offers @all in every group (the group's owner and admins get it
        # there anyway); the server checks each send (campus.chat.mentions).
        "can_mention_all": user.can("chat.post_announcements") or user.can("chat.moderate"),
        # The access cookie's remaining life and a fresh one's: the page refreshes ahead of expiry,
        # so no API call goes out with an expired token (the browser logs every 401 as an error).
        "access": {
            "expires_in": max(int(g.token_claims["exp"] - time.time()), 0),
            "lifetime": int(config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
        },
        "csrf": {
            "access_cookie": config["JWT_ACCESS_CSRF_COOKIE_NAME"],
            "refresh_cookie": config["JWT_REFRESH_CSRF_COOKIE_NAME"],
            "access_header": config["JWT_ACCESS_CSRF_HEADER_NAME"],
            "refresh_header": config["JWT_REFRESH_CSRF_HEADER_NAME"],
        },
        "strings": {**page_strings(), **attachment_strings(), **search_strings(), **conversation_strings()},
        "uploads": upload_limits(),
    }
    return render_template("chat/index.html", page_config=page_config)
