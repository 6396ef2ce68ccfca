"""Staff taking over conversations: the desk (reply, take, close, learn) and the Telegram staff group."""
