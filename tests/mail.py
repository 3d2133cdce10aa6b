"""
A real SMTP server on loopback for tests (aiosmtpd), and helpers to read what it received.

The `smtp_server` and `inbox` fixtures (tests/conftest.py) start one per test and point Django's
default mailer at it, so a test reads the messages exactly as a mail server got them: headers,
both parts, encodings.
"""

import email
import email.policy
import re
import threading

from aiosmtpd.controller import Controller

from tests.servers import free_port


class Inbox:
    """What the server received, parsed; `refuse` makes it refuse messages by number (1-based)."""

    def __init__(self):
        self.messages = []
        self.refuse = set()
        self.received = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received += 1
            if self.received in self.refuse:
                return "451 Test server: try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            message.envelope_to = list(envelope.rcpt_tos)
            self.messages.append(message)
        return "250 OK"

    def to(self, address):
        return [message for message in self.messages if address in message.envelope_to]

    def clear(self):
        self.messages.clear()


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message):
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(message, path):
    """The first absolute link to `path` (…?t=…) in the plain-text part."""
    match = re.search(rf"(https?://\S+{re.escape(path)}\?t=\S+)", text_of(message))
    assert match, f"no link to {path} in:\n{text_of(message)}"
    return match.group(1)


class SMTPServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()
