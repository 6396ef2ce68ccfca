"""Channel adapters: convert platform events to IncomingMessage and Replies to platform messages, nothing more."""
