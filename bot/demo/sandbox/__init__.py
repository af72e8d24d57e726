"""Real servers on loopback that stand in for the outside world.

`sellerbot demo` and the test suite share them, so the demo exercises exactly the code paths
the tests do: a real SMTP conversation (aiosmtpd) and real HTTP requests (http.server), with no
mocks anywhere. Both servers bind 127.0.0.1 only, pick a free port by default, keep it across
stop()/start() (to play an outage and its recovery), and let callers wait on conditions rather
than sleep.

- `smtp_sink`: SmtpSink and the ReceivedMessage it records
- `seller_central`: ActionLinkStandIn and the Hit it records
- `loopback`: the address, free_port, the wall clock both servers keep
"""

from .loopback import free_port
from .seller_central import ActionLinkStandIn, Hit
from .smtp_sink import ReceivedMessage, SmtpSink

__all__ = ["ActionLinkStandIn", "Hit", "ReceivedMessage", "SmtpSink", "free_port"]
