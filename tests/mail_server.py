"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), and the app pointed at it."""

from __future__ import annotations

import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Inbox:
    """Keeps every message the server accepts, parsed."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.refuse = False  # answer 451 to every message (the server is "down" for mail)

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, email: str) -> list[EmailMessage]:
        return [m for m in self.messages if email in str(m["To"])]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def start(inbox: Inbox) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller
