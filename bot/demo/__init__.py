"""`sellerbot demo` and its loopback stand-ins (an SMTP sink, a Seller Central for action
links), also used by the tests; never part of a seller's running daemon."""
