"""Real-time chat: private and group chats over Socket.IO `/chat`, with a REST twin."""
