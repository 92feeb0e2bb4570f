"""Real-time chat: private and group chats over Socket.IO `/chat`, with a REST twin."""

# The Socket.IO namespace of the chat (docs/protocol.md): the server side and the page both name it here.
NAMESPACE = "/chat"
