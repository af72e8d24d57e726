"""sellerbot: never miss an Amazon return-request or A-to-Z claim deadline."""

__version__ = "0.1.0"
