"""Rasa input channels of this assistant: the web widget (socket.io) and WhatsApp via Twilio."""
